-- Up Migration
-- The State Council holiday arrangements for 2024–2026 (国务院办公厅 notices) and the default SLA
-- policy of SPEC §7 (provincial 12345 limits). Both are admin-editable afterwards.

INSERT INTO calendar_years (year, holidays, workdays) VALUES
(2024,
 ARRAY['2024-01-01','2024-02-10','2024-02-11','2024-02-12','2024-02-13','2024-02-14','2024-02-15','2024-02-16','2024-02-17',
       '2024-04-04','2024-04-05','2024-04-06','2024-05-01','2024-05-02','2024-05-03','2024-05-04','2024-05-05',
       '2024-06-10','2024-09-15','2024-09-16','2024-09-17',
       '2024-10-01','2024-10-02','2024-10-03','2024-10-04','2024-10-05','2024-10-06','2024-10-07']::date[],
 ARRAY['2024-02-04','2024-02-18','2024-04-07','2024-04-28','2024-05-11','2024-09-14','2024-09-29','2024-10-12']::date[]),
(2025,
 ARRAY['2025-01-01','2025-01-28','2025-01-29','2025-01-30','2025-01-31','2025-02-01','2025-02-02','2025-02-03','2025-02-04',
       '2025-04-04','2025-04-05','2025-04-06','2025-05-01','2025-05-02','2025-05-03','2025-05-04','2025-05-05',
       '2025-05-31','2025-06-01','2025-06-02',
       '2025-10-01','2025-10-02','2025-10-03','2025-10-04','2025-10-05','2025-10-06','2025-10-07','2025-10-08']::date[],
 ARRAY['2025-01-26','2025-02-08','2025-04-27','2025-09-28','2025-10-11']::date[]),
(2026,
 ARRAY['2026-01-01','2026-01-02','2026-01-03',
       '2026-02-15','2026-02-16','2026-02-17','2026-02-18','2026-02-19','2026-02-20','2026-02-21','2026-02-22','2026-02-23',
       '2026-04-04','2026-04-05','2026-04-06','2026-05-01','2026-05-02','2026-05-03','2026-05-04','2026-05-05',
       '2026-06-19','2026-06-20','2026-06-21','2026-09-25','2026-09-26','2026-09-27',
       '2026-10-01','2026-10-02','2026-10-03','2026-10-04','2026-10-05','2026-10-06','2026-10-07']::date[],
 ARRAY['2026-01-04','2026-02-14','2026-02-28','2026-05-09','2026-09-20','2026-10-10']::date[]);

INSERT INTO sla_policy (id, policy) VALUES (1, '{
  "kinds": {
    "consult":   { "signOff": { "amount": 1, "unit": "working_days" }, "resolve": { "amount": 2,  "unit": "working_days" } },
    "help":      { "signOff": { "amount": 1, "unit": "working_days" }, "resolve": { "amount": 10, "unit": "working_days" } },
    "suggest":   { "signOff": { "amount": 1, "unit": "working_days" }, "resolve": { "amount": 10, "unit": "working_days" } },
    "complaint": { "signOff": { "amount": 1, "unit": "working_days" }, "resolve": { "amount": 15, "unit": "working_days" } },
    "report":    { "signOff": { "amount": 1, "unit": "working_days" }, "resolve": { "amount": 15, "unit": "working_days" } },
    "emergency": { "signOff": { "amount": 2, "unit": "hours" },        "resolve": { "amount": 24, "unit": "hours" } }
  },
  "followUp": { "amount": 2, "unit": "working_days" },
  "ladders": {
    "signOff": { "warningBefore": { "amount": 4, "unit": "hours" },
                 "escalatedAfter": { "amount": 1, "unit": "working_days" },
                 "summonsAfter": { "amount": 2, "unit": "working_days" } },
    "resolve": { "warningBefore": { "amount": 1, "unit": "working_days" },
                 "escalatedAfter": { "amount": 3, "unit": "working_days" },
                 "summonsAfter": { "amount": 5, "unit": "working_days" } }
  }
}'::jsonb);

-- Down Migration
DELETE FROM sla_policy WHERE id = 1;
DELETE FROM calendar_years WHERE year IN (2024, 2025, 2026);
