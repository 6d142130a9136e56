-- The read model as create_schema made it before migrations (main at c89923f), frozen.
-- tests/store/test_migrations.py upgrades a database built from this file.
CREATE TABLE api_token (
	id SERIAL NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	role VARCHAR(20) NOT NULL, 
	token_hash VARCHAR(64) NOT NULL, 
	created_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	expires_at TIMESTAMP WITH TIME ZONE, 
	revoked_at TIMESTAMP WITH TIME ZONE, 
	PRIMARY KEY (id)
);

CREATE UNIQUE INDEX ix_api_token_token_hash ON api_token (token_hash);

CREATE TABLE audit_event (
	id SERIAL NOT NULL, 
	municipality_number VARCHAR(4) NOT NULL, 
	seq INTEGER NOT NULL, 
	trigger VARCHAR NOT NULL, 
	from_stage VARCHAR NOT NULL, 
	to_stage VARCHAR NOT NULL, 
	evidence JSON NOT NULL, 
	comment VARCHAR, 
	actor_id VARCHAR NOT NULL, 
	actor_name VARCHAR NOT NULL, 
	actor_role VARCHAR NOT NULL, 
	effective_on DATE NOT NULL, 
	recorded_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	idempotency_key VARCHAR, 
	workflow_id VARCHAR NOT NULL, 
	run_id VARCHAR NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_audit_event_seq UNIQUE (municipality_number, seq)
);

CREATE INDEX ix_audit_event_effective_on ON audit_event (effective_on);

CREATE INDEX ix_audit_event_municipality_number ON audit_event (municipality_number);

CREATE TABLE deadline_change (
	id SERIAL NOT NULL, 
	municipality_number VARCHAR(4) NOT NULL, 
	obligation_id VARCHAR NOT NULL, 
	deadline_before DATE, 
	deadline_after DATE NOT NULL, 
	reason VARCHAR NOT NULL, 
	actor_id VARCHAR NOT NULL, 
	actor_name VARCHAR NOT NULL, 
	actor_role VARCHAR NOT NULL, 
	recorded_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	workflow_id VARCHAR NOT NULL, 
	run_id VARCHAR NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_deadline_change UNIQUE (municipality_number, obligation_id, recorded_at)
);

CREATE INDEX ix_deadline_change_municipality_number ON deadline_change (municipality_number);

CREATE TABLE municipality (
	number VARCHAR(4) NOT NULL, 
	name VARCHAR NOT NULL, 
	county VARCHAR NOT NULL, 
	health_trust VARCHAR NOT NULL, 
	stage VARCHAR NOT NULL, 
	paused_from VARCHAR, 
	last_seq INTEGER NOT NULL, 
	workflow_id VARCHAR NOT NULL, 
	run_id VARCHAR NOT NULL, 
	updated_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (number)
);

CREATE INDEX ix_municipality_stage ON municipality (stage);

CREATE TABLE notification (
	id SERIAL NOT NULL, 
	key VARCHAR(1000) NOT NULL, 
	message_id VARCHAR(600) NOT NULL, 
	municipality_number VARCHAR(4) NOT NULL, 
	municipality_name VARCHAR(100) NOT NULL, 
	obligation_id VARCHAR(200) NOT NULL, 
	obligation_label VARCHAR(500) NOT NULL, 
	kind VARCHAR(20) NOT NULL, 
	message_key VARCHAR(200) NOT NULL, 
	level INTEGER, 
	offset_days INTEGER, 
	deadline DATE NOT NULL, 
	due_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	recipient_role VARCHAR(40) NOT NULL, 
	recipient_name VARCHAR(200), 
	recipient_email VARCHAR(320), 
	subject VARCHAR NOT NULL, 
	body VARCHAR NOT NULL, 
	status VARCHAR(20) NOT NULL, 
	attempts INTEGER NOT NULL, 
	last_error VARCHAR, 
	created_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	last_attempt_at TIMESTAMP WITH TIME ZONE, 
	sent_at TIMESTAMP WITH TIME ZONE, 
	PRIMARY KEY (id), 
	UNIQUE (key)
);

CREATE INDEX ix_notification_municipality_number ON notification (municipality_number);

CREATE INDEX ix_notification_status ON notification (status);

CREATE INDEX ix_notification_message_id ON notification (message_id);

CREATE INDEX ix_notification_due_at ON notification (due_at);

CREATE TABLE obligation (
	municipality_number VARCHAR(4) NOT NULL, 
	obligation_id VARCHAR NOT NULL, 
	label VARCHAR NOT NULL, 
	status VARCHAR NOT NULL, 
	deadline DATE, 
	effective_deadline DATE, 
	opened_on DATE NOT NULL, 
	closed_on DATE, 
	updated_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (municipality_number, obligation_id)
);

CREATE INDEX ix_obligation_deadline ON obligation (deadline);

CREATE INDEX ix_obligation_status ON obligation (status);

CREATE TABLE contact (
	id SERIAL NOT NULL, 
	municipality_number VARCHAR(4), 
	position INTEGER NOT NULL, 
	role VARCHAR(40) NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	email VARCHAR(320) NOT NULL, 
	updated_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	updated_by VARCHAR(200) NOT NULL, 
	updated_by_id VARCHAR(100) NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(municipality_number) REFERENCES municipality (number)
);

CREATE UNIQUE INDEX uq_contact_scope_role_email ON contact (coalesce(municipality_number, ''), role, lower(email));

CREATE INDEX ix_contact_municipality_number ON contact (municipality_number);

CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION 'audit_event is append-only'; END; $$ LANGUAGE plpgsql;

CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
            FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();

CREATE OR REPLACE FUNCTION deadline_change_append_only() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION 'deadline_change is append-only'; END; $$ LANGUAGE plpgsql;

CREATE TRIGGER deadline_change_append_only BEFORE UPDATE OR DELETE ON deadline_change
            FOR EACH ROW EXECUTE FUNCTION deadline_change_append_only();
