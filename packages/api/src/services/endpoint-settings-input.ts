/**
 * A webhook write's `headers` and `auth`, ready to store: the token URL
 * checked by the destination guard (400 naming `auth.token_url`), header
 * values and the auth secret sealed. Fields not given stay out of the
 * result (the stored values are left alone); null or {} removes them.
 */
import { sealAuth, sealHeaders, ValidationError, type EndpointAuth, type EndpointHeaders, type SecretBox } from '@hookrelay/core';
import { destinationProblem } from '@hookrelay/delivery';

export interface EndpointSettingsInput {
  headers?: EndpointHeaders | null;
  auth?: EndpointAuth | null;
}

export interface SealedEndpointSettings {
  headers?: Record<string, string> | null;
  auth?: Record<string, string> | null;
}

export function sealedEndpointSettings(
  input: EndpointSettingsInput,
  deps: { secrets: SecretBox; allowPrivateDestinations: boolean },
  currentHeaders: unknown = null,
): SealedEndpointSettings {
  const sealed: SealedEndpointSettings = {};
  if (input.auth?.type === 'oauth2_client_credentials' && !deps.allowPrivateDestinations) assertPublicTokenUrl(input.auth.token_url);
  if (input.headers !== undefined) sealed.headers = sealHeaders(input.headers, deps.secrets, currentHeaders);
  if (input.auth !== undefined) sealed.auth = sealAuth(input.auth, deps.secrets);
  return sealed;
}

/** The same guard as `url` (webhook-service's assertDestinationAllowed), naming `auth.token_url`. */
function assertPublicTokenUrl(url: string): void {
  const problem = destinationProblem(url);
  if (!problem) return;
  const field = 'auth.token_url';
  throw new ValidationError(`"${field}" ${problem}`, [
    { field, message: `"${field}" ${problem}; set ALLOW_PRIVATE_DESTINATIONS=true to allow such destinations` },
  ]);
}
