/** The joi field for a webhook's `filter`: the filter language's own checks, reported as joi errors naming the path. */
import Joi from 'joi';
import { FilterError, MAX_FILTER_BYTES, assertValidFilter } from './filter-rules.js';

export const FILTER_DESCRIPTION =
  'Only events that match make notifications for this webhook (applied at fan-out; `null` removes the filter). ' +
  'Keys are dotted paths into `{type, resource, changed_fields}` (JSON strings parsed; a numeric segment indexes an array); ' +
  'values are literals (equality) or operator objects: `$eq $ne $in $nin $gt $gte $lt $lte $exists $prefix`, combined with ' +
  '`$and`/`$or` (arrays of filters) and `$not` (one filter). Several keys in one object must all match. A missing path matches ' +
  `only \`$exists: false\`, \`$ne\` and \`$nin\`. At most ${MAX_FILTER_BYTES} bytes of JSON and 10 levels of nesting. ` +
  'Example: `{"resource.status": {"$in": ["paid", "refunded"]}, "resource.amount": {"$gte": 100}}`.';

export const webhookFilterSchema = Joi.object()
  .unknown(true)
  .allow(null)
  .custom((value: unknown, helpers) => {
    if (value === null) return value;
    try {
      assertValidFilter(value, 'filter');
      return value;
    } catch (error) {
      if (error instanceof FilterError) return helpers.message({ custom: error.errors?.[0]?.message ?? error.message });
      throw error;
    }
  })
  .description(FILTER_DESCRIPTION);
