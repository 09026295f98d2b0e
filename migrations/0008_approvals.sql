-- Approval of tickets whose request type requires it.
ALTER TABLE tickets ADD COLUMN approval text CHECK (approval IN ('pending', 'granted', 'declined'));
CREATE INDEX tickets_pending_approval ON tickets (tenant_id, company_id) WHERE approval = 'pending';
