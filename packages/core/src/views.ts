import type { EndpointAuthView } from './endpoint-settings.js';

/**
 * Shapes of the API's answers that more than one package speaks: the
 * services build them, the CLI reads them. Types only.
 */

/** A webhook as the API shows it (snake_case, never the secret). */
export interface WebhookView {
  id: string;
  tenant: string;
  url: string;
  enabled_events: string[];
  is_enabled: boolean;
  description: string | null;
  metadata: unknown;
  rate_limit: number | null;
  /** payload filter applied at fan-out; null = every event of its enabled_events */
  filter: unknown;
  /** null: ENDPOINT_MAX_IN_FLIGHT applies */
  max_in_flight: number | null;
  ordered: boolean;
  disabled_reason: string | null;
  /** extra request headers: names, values masked ("********") */
  headers: Record<string, string>;
  /** endpoint credentials without their secret */
  auth: EndpointAuthView | null;
  creation_time: string;
  last_updated: string;
  last_updated_time: string;
}
