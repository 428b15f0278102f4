import { Inject } from '@nestjs/common';
import { ATLASSIAN_OPTIONS } from '../atlassian.constants.js';

/** Injects the module's options, validated and with every default applied (`ResolvedAtlassianOptions`). */
export const InjectAtlassianOptions = (): ParameterDecorator & PropertyDecorator =>
  Inject(ATLASSIAN_OPTIONS);
