-- The read model as create_schema made it before migrations (main at c89923f), frozen.
-- tests/store/test_migrations.py upgrades a database built from this file.
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
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (number)
);

CREATE INDEX ix_municipality_stage ON municipality (stage);

CREATE TABLE audit_event (
	id INTEGER NOT NULL, 
	municipality_number VARCHAR(4) NOT NULL, 
	seq INTEGER NOT NULL, 
	"trigger" VARCHAR NOT NULL, 
	from_stage VARCHAR NOT NULL, 
	to_stage VARCHAR NOT NULL, 
	evidence JSON NOT NULL, 
	comment VARCHAR, 
	actor_id VARCHAR NOT NULL, 
	actor_name VARCHAR NOT NULL, 
	actor_role VARCHAR NOT NULL, 
	effective_on DATE NOT NULL, 
	recorded_at DATETIME NOT NULL, 
	idempotency_key VARCHAR, 
	workflow_id VARCHAR NOT NULL, 
	run_id VARCHAR NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_audit_event_seq UNIQUE (municipality_number, seq)
);

CREATE INDEX ix_audit_event_effective_on ON audit_event (effective_on);

CREATE INDEX ix_audit_event_municipality_number ON audit_event (municipality_number);

CREATE TABLE api_token (
	id INTEGER NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	role VARCHAR(20) NOT NULL, 
	token_hash VARCHAR(64) NOT NULL, 
	created_at DATETIME NOT NULL, 
	expires_at DATETIME, 
	revoked_at DATETIME, 
	PRIMARY KEY (id)
);

CREATE UNIQUE INDEX ix_api_token_token_hash ON api_token (token_hash);

CREATE TABLE notification (
	id INTEGER NOT NULL, 
	"key" VARCHAR(1000) NOT NULL, 
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
	due_at DATETIME NOT NULL, 
	recipient_role VARCHAR(40) NOT NULL, 
	recipient_name VARCHAR(200), 
	recipient_email VARCHAR(320), 
	subject VARCHAR NOT NULL, 
	body VARCHAR NOT NULL, 
	status VARCHAR(20) NOT NULL, 
	attempts INTEGER NOT NULL, 
	last_error VARCHAR, 
	created_at DATETIME NOT NULL, 
	last_attempt_at DATETIME, 
	sent_at DATETIME, 
	PRIMARY KEY (id), 
	UNIQUE ("key")
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
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (municipality_number, obligation_id)
);

CREATE INDEX ix_obligation_deadline ON obligation (deadline);

CREATE INDEX ix_obligation_status ON obligation (status);

CREATE TABLE deadline_change (
	id INTEGER NOT NULL, 
	municipality_number VARCHAR(4) NOT NULL, 
	obligation_id VARCHAR NOT NULL, 
	deadline_before DATE, 
	deadline_after DATE NOT NULL, 
	reason VARCHAR NOT NULL, 
	actor_id VARCHAR NOT NULL, 
	actor_name VARCHAR NOT NULL, 
	actor_role VARCHAR NOT NULL, 
	recorded_at DATETIME NOT NULL, 
	workflow_id VARCHAR NOT NULL, 
	run_id VARCHAR NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_deadline_change UNIQUE (municipality_number, obligation_id, recorded_at)
);

CREATE INDEX ix_deadline_change_municipality_number ON deadline_change (municipality_number);

CREATE TABLE contact (
	id INTEGER NOT NULL, 
	municipality_number VARCHAR(4), 
	position INTEGER NOT NULL, 
	role VARCHAR(40) NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	email VARCHAR(320) NOT NULL, 
	updated_at DATETIME NOT NULL, 
	updated_by VARCHAR(200) NOT NULL, 
	updated_by_id VARCHAR(100) NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(municipality_number) REFERENCES municipality (number)
);

CREATE UNIQUE INDEX uq_contact_scope_role_email ON contact (coalesce(municipality_number, ''), role, lower(email));

CREATE INDEX ix_contact_municipality_number ON contact (municipality_number);

CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
            BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END;

CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
            BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END;

CREATE TRIGGER deadline_change_no_update BEFORE UPDATE ON deadline_change
            BEGIN SELECT RAISE(ABORT, 'deadline_change is append-only'); END;

CREATE TRIGGER deadline_change_no_delete BEFORE DELETE ON deadline_change
            BEGIN SELECT RAISE(ABORT, 'deadline_change is append-only'); END;
