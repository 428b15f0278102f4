import type { EntityManager } from 'typeorm';
import type { SiteData } from '../providers/provider-profile.interface.js';
import { AtlassianSite } from './entities/atlassian-site.entity.js';

/** Makes an account's stored sites equal a fresh accessible-resources list, inside the caller's transaction. */
export class SiteSynchronizer {
  async sync(
    em: EntityManager,
    linkedAccountId: string,
    fresh: SiteData[],
  ): Promise<AtlassianSite[]> {
    const stored = await em.findBy(AtlassianSite, { linkedAccountId });
    const byCloudId = new Map(stored.map((site) => [site.cloudId, site]));
    const freshIds = new Set(fresh.map((site) => site.cloudId));
    const gone = stored.filter((site) => !freshIds.has(site.cloudId));
    if (gone.length > 0) await em.remove(AtlassianSite, gone);
    const kept = fresh.map((data) =>
      Object.assign(
        byCloudId.get(data.cloudId) ?? em.create(AtlassianSite, { linkedAccountId }),
        data,
      ),
    );
    return em.save(AtlassianSite, kept);
  }
}
