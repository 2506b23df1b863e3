-- Each delivery round claims its mails under its own token and renews a short lease on a mail just
-- before sending it; a mail is sent, and recorded as sent, only while the claim is still that
-- round's. Two workers, or one that outlived its lease, therefore never send the same mail twice,
-- and a worker that died mid-round leaves its mails to the next after the lease.
ALTER TABLE mail_outbox ADD COLUMN claim UUID;
