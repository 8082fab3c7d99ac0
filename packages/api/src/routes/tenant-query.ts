/** `?tenant=`: the query of every /v1 route that takes no other parameter. */
import { tenantQuery } from '@hookrelay/core';
import { validated, type Tenanted } from '../route-definition.js';

export const tenantOnlyQuery = validated<Tenanted>(tenantQuery);
