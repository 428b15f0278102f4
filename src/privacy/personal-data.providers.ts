import type { Provider } from '@nestjs/common';
import { AccountLinkService } from '../accounts/account-link.service.js';
import { PersonalDataActions } from './personal-data-actions.js';
import { PersonalDataReportJob } from './personal-data-report.job.js';
import { PersonalDataReportStore } from './personal-data-report.store.js';
import { PersonalDataReporter } from './personal-data-reporter.js';
import { ProfileRefresher } from './profile-refresher.js';
import { ReportAccountsClient } from './report-accounts.client.js';

/** The providers of personal data reporting, erasure and profile refresh. */
export const personalDataProviders: Provider[] = [
  PersonalDataReportStore,
  ReportAccountsClient,
  PersonalDataActions,
  PersonalDataReportJob,
  PersonalDataReporter,
  { provide: ProfileRefresher, useExisting: AccountLinkService },
];
