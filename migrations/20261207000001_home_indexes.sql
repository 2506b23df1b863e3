-- The home page's timelines: a dealer's latest steps, an approver's latest decisions.
CREATE INDEX idx_record_history_dealer_recent ON record_history (dealer_id, created_at DESC, id DESC);
CREATE INDEX idx_record_history_actor_recent ON record_history (actor_id, created_at DESC, id DESC);
