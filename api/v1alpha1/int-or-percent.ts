// Kubernetes IntOrString as the pool strategies use it: an absolute count or a percentage of a total.
import { z } from 'zod';

/** "0%".."100%", the same expression as the CRD's CEL rule. */
export const PERCENT = /^(100|[1-9]?[0-9])%$/;

/**
 * An integer >= 0, or a percentage string. Plain numeric strings ("5") are rejected: upstream cannot
 * scale them and silently falls back to 1.
 */
export const intOrPercentSchema = z.union([z.number().int().min(0), z.string().regex(PERCENT)]);
export type IntOrPercent = z.infer<typeof intOrPercentSchema>;
