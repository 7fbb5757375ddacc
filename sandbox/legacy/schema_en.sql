-- A ministry's HR system bought in the 2010s, English column names (sandbox, synthetic).
-- Names are split (last, middle, first), sex is a number (1 male, 2 female), ethnicity and
-- religion are names, the birth date is ISO text as the import from spreadsheets left it, other
-- dates are real dates; deleted rows keep a deleted_at; row_version grows on every change.

CREATE TABLE org_unit (
    code           varchar(35) PRIMARY KEY,
    name           text NOT NULL,
    parent_code    varchar(35),
    level          text NOT NULL,
    status         text NOT NULL,
    status_date    date,
    successor_code varchar(35)
);

CREATE SEQUENCE row_version_seq;

CREATE TABLE employee (
    employee_id       integer PRIMARY KEY,
    national_id       varchar(12) NOT NULL UNIQUE,
    last_name         text NOT NULL,
    middle_name       text,
    first_name        text NOT NULL,
    sex               smallint,
    date_of_birth     varchar(10),
    birth_place       text,
    ethnicity         text,
    religion          text,
    staff_type        text,
    employment_status text,
    status_date       date,
    hire_date         date,
    org_code          varchar(35) REFERENCES org_unit (code),
    position_code     varchar(16),
    job_title         text,
    grade_code        varchar(16),
    pay_scale         varchar(8),
    pay_step          smallint,
    pay_coefficient   numeric(4, 2),
    pay_since         date,
    education_level   text,
    political_theory  text,
    party_joined      date,
    party_confirmed   date,
    union_joined      date,
    appraisal_rating  text,
    appraisal_year    smallint,
    deleted_at        timestamptz,
    row_version       bigint NOT NULL DEFAULT nextval('row_version_seq')
);
CREATE INDEX ix_employee_version ON employee (row_version, employee_id);

CREATE TABLE employment_history (
    id          serial PRIMARY KEY,
    employee_id integer NOT NULL REFERENCES employee,
    start_date  date,
    end_date    date,
    organization text,
    title       text
);
CREATE TABLE pay_history (
    id             serial PRIMARY KEY,
    employee_id    integer NOT NULL REFERENCES employee,
    effective_date date,
    grade_code     varchar(16),
    step           smallint,
    coefficient    numeric(4, 2)
);
CREATE TABLE training (
    id            serial PRIMARY KEY,
    employee_id   integer NOT NULL REFERENCES employee,
    start_date    date,
    end_date      date,
    institution   text,
    major         text,
    qualification text
);
CREATE TABLE award (
    id          serial PRIMARY KEY,
    employee_id integer NOT NULL REFERENCES employee,
    year        smallint,
    kind        text,
    level       text
);
CREATE TABLE disciplinary_action (
    id          serial PRIMARY KEY,
    employee_id integer NOT NULL REFERENCES employee,
    action_date date,
    kind        text,
    reason      text
);
CREATE TABLE appraisal (
    id          serial PRIMARY KEY,
    employee_id integer NOT NULL REFERENCES employee,
    year        smallint,
    rating      text
);
CREATE TABLE relative (
    id           serial PRIMARY KEY,
    employee_id  integer NOT NULL REFERENCES employee,
    relationship text,
    full_name    text,
    birth_year   smallint,
    occupation   text
);

-- The "CV module" bought in 2022 for the electronic dossier: one cv_* table per list of the CV
-- form, keyed by employee_id, real dates, upper-case enumerations.
CREATE TABLE cv_family (
    id           serial PRIMARY KEY,
    employee_id  integer NOT NULL REFERENCES employee,
    relation     text,         -- FATHER, MOTHER, SPOUSE, CHILD, SIBLING, FATHER_IN_LAW, ...
    name         text,
    year_of_birth smallint,
    job          text,
    employer     text,
    address      text
);
CREATE INDEX ix_cv_family ON cv_family (employee_id);
CREATE TABLE cv_history (
    id          serial PRIMARY KEY,
    employee_id integer NOT NULL REFERENCES employee,
    from_date   date,
    to_date     date,
    description text,
    location    text
);
CREATE INDEX ix_cv_history ON cv_history (employee_id);
CREATE TABLE cv_course (
    id          serial PRIMARY KEY,
    employee_id integer NOT NULL REFERENCES employee,
    course_type text,          -- DEGREE, POLITICAL, STATE_MGMT, DEFENCE, LANGUAGE, IT, REFRESHER
    school      text,
    major       text,
    certificate text,
    from_date   date,
    to_date     date
);
CREATE INDEX ix_cv_course ON cv_course (employee_id);
CREATE TABLE cv_commendation (
    id          serial PRIMARY KEY,
    employee_id integer NOT NULL REFERENCES employee,
    decision_date date,
    award       text,
    authority   text,
    decision_no text
);
CREATE INDEX ix_cv_commendation ON cv_commendation (employee_id);
CREATE TABLE cv_sanction (
    id          serial PRIMARY KEY,
    employee_id integer NOT NULL REFERENCES employee,
    decision_date date,
    measure     text,          -- REPRIMAND, WARNING, PAY_CUT, DEMOTION, REMOVAL, DISMISSAL
    reason      text,
    authority   text,
    valid_until date
);
CREATE INDEX ix_cv_sanction ON cv_sanction (employee_id);
CREATE TABLE cv_allowance (
    id          serial PRIMARY KEY,
    employee_id integer NOT NULL REFERENCES employee,
    allowance_type text,       -- POSITION, BEYOND_FRAME, SENIORITY, RESPONSIBILITY, REGIONAL, OTHER
    factor      numeric(4, 2),
    pct         smallint,
    from_date   date,
    to_date     date
);
CREATE INDEX ix_cv_allowance ON cv_allowance (employee_id);
CREATE TABLE cv_appraisal (
    id          serial PRIMARY KEY,
    employee_id integer NOT NULL REFERENCES employee,
    appraisal_year smallint,
    result      text
);
CREATE INDEX ix_cv_appraisal ON cv_appraisal (employee_id);
CREATE TABLE cv_military (
    id          serial PRIMARY KEY,
    employee_id integer NOT NULL REFERENCES employee,
    enlisted    date,
    discharged  date,
    rank        text,
    unit        text
);
CREATE INDEX ix_cv_military ON cv_military (employee_id);
CREATE TABLE cv_assets (
    id          serial PRIMARY KEY,
    employee_id integer NOT NULL REFERENCES employee,
    declared_year smallint,
    income_vnd  numeric(16, 0),
    housing     text,
    land_plots  text,
    other       text
);
CREATE INDEX ix_cv_assets ON cv_assets (employee_id);
CREATE TABLE cv_health (
    id          serial PRIMARY KEY,
    employee_id integer NOT NULL REFERENCES employee,
    exam_date   date,
    grade       text,          -- I, II, III, IV, V
    height_cm   smallint,
    weight_kg   numeric(5, 1),
    blood_type  varchar(2)
);
CREATE INDEX ix_cv_health ON cv_health (employee_id);
