-- Fair delivery: per-webhook in-flight cap (null = ENDPOINT_MAX_IN_FLIGHT).
-- A nullable column without a default: no table rewrite, a brief lock only.
ALTER TABLE "webhooks" ADD COLUMN "max_in_flight" INTEGER;

-- Ordered delivery (opt-in): webhooks.ordered; an event's ordering_key, copied
-- onto the notifications of ordered webhooks with a publish sequence. A
-- constant default and nullable columns: no table rewrite.
ALTER TABLE "webhooks" ADD COLUMN "ordered" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "events" ADD COLUMN "ordering_key" VARCHAR(256);
ALTER TABLE "notifications" ADD COLUMN "ordering_key" VARCHAR(256);
ALTER TABLE "notifications" ADD COLUMN "order_seq" BIGINT;
CREATE SEQUENCE IF NOT EXISTS "notifications_order_seq";
