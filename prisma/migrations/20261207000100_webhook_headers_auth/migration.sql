-- Extra request headers and endpoint credentials of a webhook (issue 17).
-- Nullable columns without a default: adding them only changes the catalog,
-- it neither rewrites nor long-locks the webhooks table.
--
-- headers: {"Header-Name": "<sealed value>"}; names in clear, each value
--          sealed like the signing secret (enc:v1:... when SECRET_ENCRYPTION_KEY is set).
-- auth:    {"type": "basic" | "bearer" | "oauth2_client_credentials", ...}; the
--          non-secret fields in clear, password / token / client_secret sealed.
ALTER TABLE "webhooks" ADD COLUMN "headers" JSONB;
ALTER TABLE "webhooks" ADD COLUMN "auth" JSONB;
