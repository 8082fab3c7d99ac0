-- Fair delivery: per-webhook in-flight cap (null = ENDPOINT_MAX_IN_FLIGHT).
-- A nullable column without a default: no table rewrite, a brief lock only.
ALTER TABLE "webhooks" ADD COLUMN "max_in_flight" INTEGER;
