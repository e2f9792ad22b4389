//! The province's reports (issue 13) at `GET /v1/reports/{kind}`: every number of every section equals a count
//! made directly with SQL over the seeded rows, and each caller sees only its scope (anonymous 401, other roles
//! 403, another province or ward 404, an agency admin only its venues' passages, a ward-scoped officer only its
//! wards). The rows are seeded with SQL in two provinces over a past week (the API stamps records with today, and
//! the reports are about days), around the edges the reports must get right: local days in Vietnam (UTC+7), rows
//! just outside the period, a venue with no passage, cancelled orders, decided cases, unconfirmed doses.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use healthbook_core::Clock;
use healthbook_core::client::ServerClient;
use healthbook_e2e::server::{TestBackend, TestServer};
use healthbook_e2e::server_scenarios;
use healthbook_protocol::reports::{Report, ReportCell, ReportSection};
use healthbook_server::error::ApiError;
use healthbook_server::storage::{Row, Tx, Value as Sql};
use serde_json::{Value, json};

server_scenarios!(reports_count_what_the_database_holds_within_the_scope);

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;
const FROM: &str = "2021-06-25";
const TO: &str = "2021-07-01";

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// Unix milliseconds at which local day `d` starts in Vietnam.
fn local_start(d: NaiveDate) -> i64 {
    d.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp_millis() - 7 * HOUR
}

fn day_after(offset: i64) -> String {
    (day(FROM) + Duration::days(offset)).format("%Y-%m-%d").to_string()
}

/// Creates a staff account through the API and signs it in.
async fn staff(server: &TestServer, role: &str, username: &str, extra: Value) -> ServerClient {
    let admin = server.admin_client().await;
    let mut body = json!({ "role": role, "username": username, "password": "staff-password" });
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    let _: Value = admin.post_json("/v1/accounts", &body).await.unwrap();
    let client = server.client();
    client.sign_in_staff(username, "staff-password").await.unwrap();
    client
}

/// Seeds every kind of record the reports count, in provinces 79 (wards 26734, 26737) and 01 (ward 00004).
fn seed(tx: &mut dyn Tx, now: i64) -> Result<(), ApiError> {
    let base = local_start(day(FROM));
    let mut run = |sql: &str, params: Vec<Sql>| tx.execute(sql, &params).map(|_| ());
    run("INSERT INTO agencies (id, name, created_at) VALUES ('ag-79', 'Ban quản lý chợ Quận 1', 0), ('ag-01', 'Sở Giao thông', 0)", vec![])?;
    run("INSERT INTO accounts (id, role, created_at) VALUES ('dev-reports', 'device', 0)", vec![])?;
    run("INSERT INTO accounts (id, role, created_at, area_province) VALUES ('seed-staff', 'health_officer', 0, '79')", vec![])?;

    // Declarations: 42 in the period over four areas (one without a ward), two just outside it.
    let areas = [("79", Some("26734")), ("79", Some("26737")), ("01", Some("00004")), ("79", None)];
    for i in 0..44i64 {
        let (province, ward) = areas[(i % 4) as usize];
        let date = match i {
            42 => day_after(-1),
            43 => day_after(7),
            _ => day_after(i * 3 % 7),
        };
        run(
            "INSERT INTO declarations (id, device_id, form_id, form_version, province_code, ward_code, declared_date, declared_at, \
             received_at, body, receipt) VALUES ($1, 'dev-reports', 'health_declaration', 1, $2, $3, $4, $5, $5, '{}', 'r')",
            vec![format!("dec-{i}").into(), province.into(), ward.into(), date.into(), Sql::Int(base + i * HOUR)],
        )?;
    }

    // Venues (one silent, one of another agency in 79) with a gate each, and their passages.
    let venues = [
        ("ven-a", "ag-79", "Chợ Bến Thành", "79", "26734"),
        ("ven-b", "ag-79", "=Siêu thị \"Co.op\", Q1", "79", "26737"),
        ("ven-silent", "ag-79", "Nhà văn hoá phường", "79", "26734"),
        ("ven-x", "ag-01", "Bến xe Miền Đông", "79", "26737"),
        ("ven-h", "ag-01", "Chợ Đồng Xuân", "01", "00004"),
    ];
    for (id, agency, name, province, ward) in venues {
        run(
            "INSERT INTO venues (id, agency_id, name, kind, address, province_code, ward_code, default_stay_minutes, created_at) \
             VALUES ($1, $2, $3, 'market', 'Địa chỉ', $4, $5, 60, 0)",
            vec![id.into(), agency.into(), name.into(), province.into(), ward.into()],
        )?;
        run(
            "INSERT INTO gates (id, agency_id, name, created_at, venue_id) VALUES ($1, $2, 'Cổng 1', 0, $3)",
            vec![format!("gate-{id}").into(), agency.into(), id.into()],
        )?;
    }
    let active = ["ven-a", "ven-b", "ven-x", "ven-h"];
    for i in 0..81i64 {
        // Local hours 0..23 of each day: the early ones are the previous day in UTC. The last one is the silent
        // venue's, an hour before the period.
        let (venue, at) = if i == 80 { ("ven-silent", base - HOUR) } else { (active[(i % 4) as usize], base + (i % 7) * DAY + (i * 5 % 24) * HOUR + 13 * 60_000) };
        run(
            "INSERT INTO gate_passages (id, gate_id, venue_id, direction, scanned_at, scanned_day, verdict, reason, card, credential_id, \
             uploaded_by, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'valid', 'personal_pass', 'c0ffee', 'seed', $5)",
            vec![
                format!("pass-{i}").into(),
                format!("gate-{venue}").into(),
                venue.into(),
                if i % 2 == 0 { "in" } else { "out" }.into(),
                Sql::Int(at),
                DateTime::<Utc>::from_timestamp_millis(at).unwrap().format("%Y-%m-%d").to_string().into(),
                if i % 5 == 0 { "refuse" } else { "admit" }.into(),
            ],
        )?;
    }

    // Quarantine: persons, orders (one ended before the last day, one cancelled, one in 01), check-ins, cases.
    for k in 0..20 {
        run(
            "INSERT INTO persons (id, id_hash, id_kind, full_name, birth_year, province_code, verification, created_at) \
             VALUES ($1, $2, 'cccd', 'Nguyễn Văn An', 1980, '79', 'attested', 0)",
            vec![format!("per-{k}").into(), format!("vh-{k}").into()],
        )?;
    }
    let orders = [
        ("ord-1", "79", "26734", base + DAY, "2021-06-26", base + 20 * DAY, "active"),
        ("ord-2", "79", "26737", base - 10 * DAY, "2021-06-15", base + 3 * DAY, "active"),
        ("ord-3", "79", "26737", base - 5 * DAY, "2021-06-20", base + 30 * DAY, "active"),
        ("ord-4", "79", "26734", base + 2 * DAY, "2021-06-27", base + 20 * DAY, "cancelled"),
        ("ord-5", "01", "00004", base + 2 * DAY, "2021-06-27", base + 20 * DAY, "active"),
    ];
    for (n, (id, province, ward, created, start, ends, state)) in orders.into_iter().enumerate() {
        run(
            "INSERT INTO quarantine_orders (id, person_id, province_code, ward_code, home_address, geofence, schedule, extension_rules, \
             start_date, days, extension_days, extensions, time_zone, ends_at, grace_minutes, commitment_version, state, created_by, created_at) \
             VALUES ($1, $2, $3, $4, 'Nhà', '{}', '{}', '{}', $5, 14, 0, 0, 'Asia/Ho_Chi_Minh', $6, 30, 1, $7, 'seed-staff', $8)",
            vec![id.into(), format!("per-{n}").into(), province.into(), ward.into(), start.into(), Sql::Int(ends), state.into(), Sql::Int(created)],
        )?;
    }
    let verdicts = ["ok", "ok", "needs_review", "missed"];
    for order in ["ord-1", "ord-3", "ord-5"] {
        for j in 0..11i64 {
            // The last one is decided the day after the period.
            let at = if j == 10 { base + 7 * DAY + HOUR } else { base + (j % 7) * DAY + (j * 7 % 24) * HOUR };
            run(
                "INSERT INTO quarantine_check_ins (id, order_id, challenge_id, in_chain, verdict, reasons, decided_at) \
                 VALUES ($1, $2, 'ch', 0, $3, '[]', $4)",
                vec![format!("{order}-k{j}").into(), order.into(), verdicts[(j % 4) as usize].into(), Sql::Int(at)],
            )?;
        }
    }
    // (id, order, explain by, explained at, decision): awaiting an explanation; explained; window closed; decided;
    // in the other province.
    let cases = [
        ("case-1", "ord-1", now + DAY, Sql::Null, Sql::Null),
        ("case-2", "ord-1", now + DAY, Sql::Int(now - HOUR), Sql::Null),
        ("case-3", "ord-3", now - HOUR, Sql::Null, Sql::Null),
        ("case-4", "ord-3", now - DAY, Sql::Int(now - 2 * DAY), "warning".into()),
        ("case-5", "ord-5", now + DAY, Sql::Null, Sql::Null),
    ];
    for (id, order, explain_by, explained_at, outcome) in cases {
        run(
            "INSERT INTO quarantine_cases (id, order_id, check_in_id, explain_by, explained_at, decision_outcome, opened_at) \
             VALUES ($1, $2, 'k', $3, $4, $5, $6)",
            vec![id.into(), order.into(), Sql::Int(explain_by), explained_at, outcome, Sql::Int(now - 3 * DAY)],
        )?;
    }

    // Samples and results (three in four returned), one sample before the period.
    let sites = [("79", "26734"), ("79", "26737"), ("01", "00004")];
    for i in 0..31i64 {
        let (province, ward) = sites[(i % 3) as usize];
        let (sampled_day, sampled_at) = if i == 30 { (day_after(-1), base - 20 * HOUR) } else { (day_after(i % 7), base + (i % 7) * DAY + 9 * HOUR) };
        run(
            "INSERT INTO result_samples (code_hash, site_province, site_ward, test_kind, sampled_at, sampled_day, linked_by, created_at) \
             VALUES ($1, $2, $3, 'pcr', $4, $5, 'seed-staff', $4)",
            vec![format!("sample-{i}").into(), province.into(), ward.into(), Sql::Int(sampled_at), sampled_day.into()],
        )?;
        if i % 4 != 0 {
            run(
                "INSERT INTO sample_results (code_hash, state, reason, tested_at, received_at) VALUES ($1, 'negative', 'lab_reported', $2, $2)",
                vec![format!("sample-{i}").into(), Sql::Int(sampled_at + (i * 3 % 50 + 1) * HOUR + 30 * 60_000)],
            )?;
        }
    }

    // Communes' lists: 12 residents in 26734 (groups 1, 2, none; three not found as persons), 4 in 26737, 4 in 01.
    for k in 0..20i64 {
        let (province, ward) = match k {
            0..12 => ("79", "26734"),
            12..16 => ("79", "26737"),
            _ => ("01", "00004"),
        };
        let hash = (!(9..12).contains(&k)).then(|| format!("vh-{k}"));
        run(
            "INSERT INTO vaccination_list_entries (id, ward_code, province_code, line, id_hash, full_name, birth_date, birth_year_only, sex, \
             priority_group, imported_at, imported_by) VALUES ($1, $2, $3, $4, $5, 'Cư dân', '1980-01-01', 0, 'female', $6, 0, 'seed-staff')",
            vec![
                format!("entry-{k}").into(),
                ward.into(),
                province.into(),
                Sql::Int(k + 2),
                hash.into(),
                [Sql::Int(1), Sql::Int(2), Sql::Null][(k % 3) as usize].clone(),
            ],
        )?;
        // Doses: a first site dose; a second (complete); an unconfirmed self-reported one (not counted); a Janssen
        // dose after the period (not yet counted).
        let (source, product, number, date) = match k % 4 {
            0 => ("site", Some("comirnaty"), 1, "2021-06-20"),
            1 => ("site", Some("comirnaty"), 2, "2021-06-28"),
            2 => ("self_reported", None, 1, "2021-05-01"),
            _ => ("site", Some("janssen"), 1, "2021-07-05"),
        };
        run(
            "INSERT INTO doses (id, person_id, product, dose_number, dose_date, source, recorded_by, recorded_at, product_code) \
             VALUES ($1, $2, 'x', $3, $4, $5, 'seed-staff', 0, $6)",
            vec![format!("dose-{k}").into(), format!("per-{k}").into(), Sql::Int(number), date.into(), source.into(), product.into()],
        )?;
    }
    // A confirmed self-reported second dose of an unknown product: complete with the default series of two.
    run(
        "INSERT INTO doses (id, person_id, product, dose_number, dose_date, source, recorded_by, recorded_at, confirmed_at) \
         VALUES ('dose-extra', 'per-6', 'x', 2, '2021-06-01', 'self_reported', 'seed-staff', 0, 1)",
        vec![],
    )?;
    // Stock: a used-up lot does not give the earliest expiry.
    run(
        "INSERT INTO vaccination_sites (id, name, address, province_code, ward_code, key_id, created_by, created_at) VALUES \
         ('site-79', 'Trạm y tế phường Bến Nghé', 'a', '79', '26734', 'k1', 'seed-staff', 0), \
         ('site-01', 'Trạm y tế Hoàn Kiếm', 'a', '01', '00004', 'k2', 'seed-staff', 0)",
        vec![],
    )?;
    run(
        "INSERT INTO vaccine_stock (site_id, product, lot, remaining, expires_on) VALUES \
         ('site-79', 'comirnaty', 'L1', 100, '2021-09-01'), ('site-79', 'comirnaty', 'L2', 0, '2021-08-01'), \
         ('site-79', 'comirnaty', 'L4', 20, '2021-10-01'), ('site-79', 'janssen', 'L3', 50, NULL), ('site-01', 'comirnaty', 'L5', 70, '2021-08-15')",
        vec![],
    )?;
    Ok(())
}

/// Rows of one SQL query on the server's database.
async fn rows(server: &TestServer, sql: &str, params: Vec<Sql>) -> Vec<Row> {
    let sql = sql.to_owned();
    server.db.read(move |tx| tx.query(&sql, &params)).await.map_err(|e: healthbook_server::storage::StorageError| e).unwrap()
}

/// The first column of the first row, as a count (0 for NULL).
async fn count(server: &TestServer, sql: &str, params: Vec<Sql>) -> i64 {
    rows(server, sql, params).await[0].opt_int(0).unwrap().unwrap_or(0)
}

async fn report(client: &ServerClient, kind: &str, query: &str) -> Report {
    let value: Value = client.get_json(&format!("/v1/reports/{kind}?from={FROM}&to={TO}{query}")).await.unwrap();
    serde_json::from_value(value).unwrap()
}

async fn status(client: &ServerClient, path: &str) -> Option<u16> {
    client.get_json::<Value>(path).await.err().and_then(|e| e.status())
}

fn section<'a>(report: &'a Report, key: &str) -> &'a ReportSection {
    report.section(key).unwrap_or_else(|| panic!("section {key}"))
}

fn cell<'a>(section: &ReportSection, row: &'a [ReportCell], key: &str) -> &'a ReportCell {
    &row[section.column(key).unwrap_or_else(|| panic!("column {key} of {}", section.key))]
}

fn n(section: &ReportSection, row: &[ReportCell], key: &str) -> i64 {
    match cell(section, row, key) {
        ReportCell::Count(n) => *n,
        other => panic!("{key} of {} is {other:?}", section.key),
    }
}

fn text(section: &ReportSection, row: &[ReportCell], key: &str) -> Option<String> {
    match cell(section, row, key) {
        ReportCell::Text(t) => Some(t.clone()),
        ReportCell::Empty(()) => None,
        other => panic!("{key} of {} is {other:?}", section.key),
    }
}

fn measure(section: &ReportSection, row: &[ReportCell], key: &str) -> Option<f64> {
    match cell(section, row, key) {
        ReportCell::Measure(v) => Some(*v),
        ReportCell::Empty(()) => None,
        other => panic!("{key} of {} is {other:?}", section.key),
    }
}

fn sum(section: &ReportSection, key: &str) -> i64 {
    section.rows.iter().map(|r| n(section, r, key)).sum()
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// `ward_code = $n`, or `IS NULL` for an empty ward cell.
fn ward_condition(column: &str, ward: &Option<String>, params: &mut Vec<Sql>) -> String {
    match ward {
        Some(w) => {
            params.push(w.into());
            format!("{column} = ${}", params.len())
        }
        None => format!("{column} IS NULL"),
    }
}

/// Checks every number of the declarations report against SQL, for the declarations matching `area` (SQL on
/// `declarations`); returns the total.
async fn check_declarations(server: &TestServer, report: &Report, area: &str) -> i64 {
    let in_period = format!("declared_date >= '{FROM}' AND declared_date <= '{TO}' AND {area}");
    let per_day = section(report, "per_day");
    assert_eq!(per_day.rows.len(), 7, "one row per day of the period");
    for row in &per_day.rows {
        let date = text(per_day, row, "date").unwrap();
        let expected = count(server, &format!("SELECT COUNT(*) FROM declarations WHERE {in_period} AND declared_date = $1"), vec![date.into()]).await;
        assert_eq!(n(per_day, row, "count"), expected);
    }
    let per_ward = section(report, "per_ward");
    for row in &per_ward.rows {
        let mut params = vec![];
        let ward = ward_condition("ward_code", &text(per_ward, row, "ward"), &mut params);
        assert_eq!(n(per_ward, row, "count"), count(server, &format!("SELECT COUNT(*) FROM declarations WHERE {in_period} AND {ward}"), params).await);
    }
    let per_day_ward = section(report, "per_day_ward");
    for row in &per_day_ward.rows {
        let mut params = vec![text(per_day_ward, row, "date").unwrap().into()];
        let ward = ward_condition("ward_code", &text(per_day_ward, row, "ward"), &mut params);
        let sql = format!("SELECT COUNT(*) FROM declarations WHERE {in_period} AND declared_date = $1 AND {ward}");
        assert_eq!(n(per_day_ward, row, "count"), count(server, &sql, params).await);
    }
    let total = count(server, &format!("SELECT COUNT(*) FROM declarations WHERE {in_period}"), vec![]).await;
    for (section, key) in [(per_day, "count"), (per_ward, "count"), (per_day_ward, "count")] {
        assert_eq!(sum(section, key), total, "{} covers every declaration in scope", section.key);
    }
    total
}

/// Checks the passages report against SQL for the venues matching `venues` (SQL on `venues v`); returns the
/// venue names of `per_venue_day` and `silent_venues`.
async fn check_passages(server: &TestServer, report: &Report, venues: &str) -> (Vec<String>, Vec<String>) {
    let (start, end) = (local_start(day(FROM)), local_start(day(TO)) + DAY);
    let per = section(report, "per_venue_day");
    let mut names = Vec::new();
    for row in &per.rows {
        let (date, name) = (day(&text(per, row, "date").unwrap()), text(per, row, "venue").unwrap());
        let venue = rows(server, "SELECT id, ward_code FROM venues WHERE name = $1", vec![name.clone().into()]).await;
        assert_eq!(text(per, row, "ward"), Some(venue[0].text(1).unwrap()));
        let base = "SELECT COUNT(*) FROM gate_passages WHERE venue_id = $1 AND scanned_at >= $2 AND scanned_at < $3";
        let params = || vec![venue[0].text(0).unwrap().into(), Sql::Int(local_start(date)), Sql::Int(local_start(date) + DAY)];
        assert_eq!(n(per, row, "entries"), count(server, &format!("{base} AND direction = 'in'"), params()).await);
        assert_eq!(n(per, row, "exits"), count(server, &format!("{base} AND direction = 'out'"), params()).await);
        assert_eq!(n(per, row, "refused"), count(server, &format!("{base} AND verdict = 'refuse'"), params()).await);
        names.push(name);
    }
    let total = count(
        server,
        &format!("SELECT COUNT(*) FROM gate_passages p JOIN venues v ON v.id = p.venue_id WHERE {venues} AND p.scanned_at >= $1 AND p.scanned_at < $2"),
        vec![Sql::Int(start), Sql::Int(end)],
    )
    .await;
    assert_eq!(sum(per, "entries") + sum(per, "exits"), total, "every passage in scope is counted once");
    let silent = section(report, "silent_venues");
    let mut expected: Vec<String> = rows(
        server,
        &format!(
            "SELECT v.name FROM venues v WHERE {venues} AND NOT EXISTS (SELECT 1 FROM gate_passages p WHERE p.venue_id = v.id \
             AND p.scanned_at >= $1 AND p.scanned_at < $2)"
        ),
        vec![Sql::Int(start), Sql::Int(end)],
    )
    .await
    .iter()
    .map(|r| r.text(0).unwrap())
    .collect();
    let mut got: Vec<String> = silent.rows.iter().map(|r| text(silent, r, "venue").unwrap()).collect();
    for row in &silent.rows {
        let agency = rows(server, "SELECT a.name FROM venues v JOIN agencies a ON a.id = v.agency_id WHERE v.name = $1", vec![text(silent, row, "venue").unwrap().into()]).await;
        assert_eq!(text(silent, row, "agency"), Some(agency[0].text(0).unwrap()));
    }
    expected.sort();
    got.sort();
    assert_eq!(got, expected);
    names.sort();
    names.dedup();
    (names, got)
}

/// Checks the quarantine report against SQL for the orders matching `area` (SQL on `quarantine_orders o`).
async fn check_quarantine(server: &TestServer, report: &Report, area: &str, now: i64) {
    let (start, end) = (local_start(day(FROM)), local_start(day(TO)) + DAY);
    let orders = section(report, "orders");
    let created = format!("SELECT COUNT(*) FROM quarantine_orders o WHERE {area} AND o.created_at >= {start} AND o.created_at < {end}");
    let running = format!(
        "SELECT COUNT(*) FROM quarantine_orders o WHERE {area} AND o.state <> 'cancelled' AND o.start_date <= '{TO}' AND o.ends_at > {}",
        local_start(day(TO))
    );
    for row in &orders.rows {
        let ward = vec![text(orders, row, "ward").unwrap().into()];
        assert_eq!(n(orders, row, "created"), count(server, &format!("{created} AND o.ward_code = $1"), ward.clone()).await);
        assert_eq!(n(orders, row, "running"), count(server, &format!("{running} AND o.ward_code = $1"), ward).await);
    }
    assert_eq!(sum(orders, "created"), count(server, &created, vec![]).await);
    assert_eq!(sum(orders, "running"), count(server, &running, vec![]).await);

    let verdicts = section(report, "verdicts_per_day");
    assert_eq!(verdicts.rows.len(), 7);
    for row in &verdicts.rows {
        let date = day(&text(verdicts, row, "date").unwrap());
        for verdict in ["ok", "needs_review", "missed"] {
            let sql = format!(
                "SELECT COUNT(*) FROM quarantine_check_ins k JOIN quarantine_orders o ON o.id = k.order_id WHERE {area} \
                 AND k.verdict = $1 AND k.decided_at >= $2 AND k.decided_at < $3"
            );
            let expected = count(server, &sql, vec![verdict.into(), Sql::Int(local_start(date)), Sql::Int(local_start(date) + DAY)]).await;
            assert_eq!(n(verdicts, row, verdict), expected, "{verdict} on {date}");
        }
    }
    let all_verdicts = format!(
        "SELECT COUNT(*) FROM quarantine_check_ins k JOIN quarantine_orders o ON o.id = k.order_id WHERE {area} AND k.decided_at >= {start} AND k.decided_at < {end}"
    );
    assert_eq!(sum(verdicts, "ok") + sum(verdicts, "needs_review") + sum(verdicts, "missed"), count(server, &all_verdicts, vec![]).await);

    let cases = section(report, "open_cases");
    let open = format!("SELECT COUNT(*) FROM quarantine_cases c JOIN quarantine_orders o ON o.id = c.order_id WHERE {area} AND c.decision_outcome IS NULL");
    let explaining = format!("{open} AND c.explained_at IS NULL AND c.explain_by > {now}");
    let deciding = format!("{open} AND (c.explained_at IS NOT NULL OR c.explain_by <= {now})");
    for row in &cases.rows {
        let ward = vec![text(cases, row, "ward").unwrap().into()];
        assert_eq!(n(cases, row, "awaiting_explanation"), count(server, &format!("{explaining} AND o.ward_code = $1"), ward.clone()).await);
        assert_eq!(n(cases, row, "awaiting_decision"), count(server, &format!("{deciding} AND o.ward_code = $1"), ward).await);
    }
    assert_eq!(sum(cases, "awaiting_explanation"), count(server, &explaining, vec![]).await);
    assert_eq!(sum(cases, "awaiting_decision"), count(server, &deciding, vec![]).await);
}

/// Checks the results report against SQL for the samples matching `area` (SQL on `result_samples s`).
async fn check_results(server: &TestServer, report: &Report, area: &str) {
    let in_period = format!("{area} AND s.sampled_day >= '{FROM}' AND s.sampled_day <= '{TO}'");
    let samples = format!("SELECT COUNT(*) FROM result_samples s WHERE {in_period}");
    let results = format!("SELECT COUNT(*) FROM result_samples s JOIN sample_results r ON r.code_hash = s.code_hash WHERE {in_period}");
    let per_site = section(report, "per_site");
    for row in &per_site.rows {
        let ward = text(per_site, row, "ward").unwrap();
        assert_eq!(n(per_site, row, "samples"), count(server, &format!("{samples} AND s.site_ward = $1"), vec![ward.clone().into()]).await);
        assert_eq!(n(per_site, row, "results"), count(server, &format!("{results} AND s.site_ward = $1"), vec![ward.clone().into()]).await);
        let sql = format!(
            "SELECT r.received_at - s.sampled_at FROM result_samples s JOIN sample_results r ON r.code_hash = s.code_hash WHERE {in_period} AND s.site_ward = $1"
        );
        let mut hours: Vec<f64> = rows(server, &sql, vec![ward.into()]).await.iter().map(|r| r.int(0).unwrap() as f64 / HOUR as f64).collect();
        hours.sort_by(f64::total_cmp);
        let median = (!hours.is_empty()).then(|| {
            let mid = hours.len() / 2;
            if hours.len().is_multiple_of(2) { (hours[mid - 1] + hours[mid]) / 2.0 } else { hours[mid] }
        });
        let p90 = (!hours.is_empty()).then(|| hours[((hours.len() as f64 * 0.9).ceil() as usize).max(1) - 1]);
        assert_eq!(measure(per_site, row, "median_hours"), median.map(round1));
        assert_eq!(measure(per_site, row, "p90_hours"), p90.map(round1));
    }
    let per_day = section(report, "per_day");
    assert_eq!(per_day.rows.len(), 7);
    for row in &per_day.rows {
        let date = vec![text(per_day, row, "date").unwrap().into()];
        assert_eq!(n(per_day, row, "samples"), count(server, &format!("{samples} AND s.sampled_day = $1"), date.clone()).await);
        assert_eq!(n(per_day, row, "results"), count(server, &format!("{results} AND s.sampled_day = $1"), date).await);
    }
    for section in [per_site, per_day] {
        assert_eq!(sum(section, "samples"), count(server, &samples, vec![]).await);
        assert_eq!(sum(section, "results"), count(server, &results, vec![]).await);
    }
}

/// Checks the vaccination report against SQL for the list entries and sites matching `area` (SQL on the columns
/// `province_code` and `ward_code` of `e` and of `s`).
async fn check_vaccination(server: &TestServer, report: &Report, area: impl Fn(&str) -> String) {
    let coverage = section(report, "coverage");
    let counted = "(d.source = 'site' OR d.confirmed_at IS NOT NULL) AND d.dose_date <= '2021-07-01'";
    let series = "CASE d.product_code WHEN 'janssen' THEN 1 WHEN 'abdala' THEN 3 ELSE 2 END";
    for row in &coverage.rows {
        let ward = text(coverage, row, "ward").unwrap();
        let group = match cell(coverage, row, "priority_group") {
            ReportCell::Count(g) => format!("e.priority_group = {g}"),
            _ => "e.priority_group IS NULL".to_owned(),
        };
        let entries = format!("FROM vaccination_list_entries e LEFT JOIN persons p ON p.id_hash = e.id_hash WHERE {} AND e.ward_code = $1 AND {group}", area("e"));
        let listed = count(server, &format!("SELECT COUNT(*) {entries}"), vec![ward.clone().into()]).await;
        let with_dose = count(
            server,
            &format!("SELECT COUNT(*) {entries} AND EXISTS (SELECT 1 FROM doses d WHERE d.person_id = p.id AND {counted})"),
            vec![ward.clone().into()],
        )
        .await;
        let full = count(
            server,
            &format!("SELECT COUNT(*) {entries} AND EXISTS (SELECT 1 FROM doses d WHERE d.person_id = p.id AND {counted} AND d.dose_number >= {series})"),
            vec![ward.clone().into()],
        )
        .await;
        assert_eq!((n(coverage, row, "listed"), n(coverage, row, "with_dose"), n(coverage, row, "fully_vaccinated")), (listed, with_dose, full), "{ward} {group}");
        assert_eq!(measure(coverage, row, "percent_covered"), Some(round1(with_dose as f64 * 100.0 / listed as f64)));
    }
    assert_eq!(sum(coverage, "listed"), count(server, &format!("SELECT COUNT(*) FROM vaccination_list_entries e WHERE {}", area("e")), vec![]).await);
    let stock = section(report, "stock");
    for row in &stock.rows {
        let params = vec![text(stock, row, "site").unwrap().into(), text(stock, row, "product").unwrap().into()];
        let lots = format!("FROM vaccine_stock k JOIN vaccination_sites s ON s.id = k.site_id WHERE {} AND s.name = $1 AND k.product = $2", area("s"));
        assert_eq!(n(stock, row, "remaining"), count(server, &format!("SELECT CAST(SUM(k.remaining) AS BIGINT) {lots}"), params.clone()).await);
        let earliest = rows(server, &format!("SELECT MIN(k.expires_on) {lots} AND k.remaining > 0"), params).await[0].opt_text(0).unwrap();
        assert_eq!(text(stock, row, "earliest_expiry"), earliest);
    }
    let lines = count(
        server,
        &format!("SELECT COUNT(*) FROM (SELECT k.site_id, k.product FROM vaccine_stock k JOIN vaccination_sites s ON s.id = k.site_id WHERE {} GROUP BY k.site_id, k.product) g", area("s")),
        vec![],
    )
    .await;
    assert_eq!(stock.rows.len() as i64, lines);
}

async fn reports_count_what_the_database_holds_within_the_scope(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let now = server.clock.now().timestamp_millis();
    server.db.write(move |tx| seed(tx, now)).await.unwrap();

    let officer = staff(&server, "health_officer", "officer-79", json!({ "area": { "province": "79", "wards": [] } })).await;
    let ward_officer = staff(&server, "health_officer", "officer-26734", json!({ "area": { "province": "79", "wards": ["26734"] } })).await;
    let agency_admin = staff(&server, "agency_admin", "market-admin", json!({ "agency_id": "ag-79" })).await;
    let operator = staff(&server, "gate_operator", "gate-op", json!({ "agency_id": "ag-79" })).await;
    let admin = server.admin_client().await;

    // The officer of 79 sees the whole province, and every number is a direct count.
    let declarations = report(&officer, "declarations", "").await;
    assert_eq!((declarations.province.as_deref(), declarations.wards.len()), (Some("79"), 0));
    assert_eq!((declarations.from, declarations.to), (day(FROM), day(TO)));
    let total_79 = check_declarations(&server, &declarations, "province_code = '79'").await;
    assert!(total_79 > 20, "the seed reaches the report: {total_79}");
    assert!(section(&declarations, "per_ward").rows.iter().any(|r| matches!(r[0], ReportCell::Empty(()))), "declarations without a ward are counted");
    assert!(section(&declarations, "per_day").chart.is_some() && section(&declarations, "per_ward").chart.is_some());

    let passages = report(&officer, "passages", "").await;
    let (names, silent) = check_passages(&server, &passages, "v.province_code = '79'").await;
    assert_eq!(names, vec!["=Siêu thị \"Co.op\", Q1", "Bến xe Miền Đông", "Chợ Bến Thành"]);
    assert_eq!(silent, vec!["Nhà văn hoá phường"], "the venue whose only passage is before the period is silent");

    let quarantine = report(&officer, "quarantine", "").await;
    check_quarantine(&server, &quarantine, "o.province_code = '79'", now).await;
    let orders = section(&quarantine, "orders");
    assert_eq!((sum(orders, "created"), sum(orders, "running")), (2, 2), "ord-1 and the cancelled ord-4 made; ord-1 and ord-3 running");
    let cases = section(&quarantine, "open_cases");
    assert_eq!((sum(cases, "awaiting_explanation"), sum(cases, "awaiting_decision")), (1, 2));

    let results = report(&officer, "results", "").await;
    check_results(&server, &results, "s.site_province = '79'").await;
    assert!(section(&results, "per_site").rows.iter().all(|r| matches!(r[3], ReportCell::Measure(_))));

    let vaccination = report(&officer, "vaccination", "").await;
    check_vaccination(&server, &vaccination, |t| format!("{t}.province_code = '79'")).await;
    let coverage = section(&vaccination, "coverage");
    assert_eq!(sum(coverage, "listed"), 16);
    assert!(sum(coverage, "with_dose") > sum(coverage, "fully_vaccinated") && sum(coverage, "fully_vaccinated") > 0);
    let stock = section(&vaccination, "stock");
    assert_eq!(stock.rows.len(), 2);
    assert_eq!(text(stock, &stock.rows[0], "earliest_expiry").as_deref(), Some("2021-09-01"), "the used-up lot's expiry does not count");

    // A ward-scoped officer sees its ward only, and 404 for another ward or province.
    let scoped = report(&ward_officer, "declarations", "").await;
    assert_eq!(scoped.wards, vec!["26734".to_owned()]);
    let total_ward = check_declarations(&server, &scoped, "province_code = '79' AND ward_code = '26734'").await;
    assert!(total_ward > 0 && total_ward < total_79);
    let (names, silent) = check_passages(&server, &report(&ward_officer, "passages", "").await, "v.province_code = '79' AND v.ward_code = '26734'").await;
    assert_eq!((names, silent), (vec!["Chợ Bến Thành".to_owned()], vec!["Nhà văn hoá phường".to_owned()]));
    check_quarantine(&server, &report(&ward_officer, "quarantine", "").await, "o.province_code = '79' AND o.ward_code = '26734'", now).await;
    check_results(&server, &report(&ward_officer, "results", "").await, "s.site_province = '79' AND s.site_ward = '26734'").await;
    check_vaccination(&server, &report(&ward_officer, "vaccination", "").await, |t| format!("{t}.province_code = '79' AND {t}.ward_code = '26734'")).await;
    assert_eq!(status(&ward_officer, "/v1/reports/declarations?ward=26737").await, Some(404));
    assert_eq!(status(&ward_officer, "/v1/reports/declarations?province=01").await, Some(404));
    // The province officer may narrow to a ward, but not look at another province.
    let narrowed = report(&officer, "declarations", "&ward=26737").await;
    check_declarations(&server, &narrowed, "province_code = '79' AND ward_code = '26737'").await;
    assert_eq!(status(&officer, "/v1/reports/passages?province=01").await, Some(404));
    assert_eq!(status(&officer, "/v1/reports/passages?province=79").await, None);

    // The authority admin: every province, or one.
    let national = report(&admin, "declarations", "").await;
    assert_eq!(national.province, None);
    let total_all = check_declarations(&server, &national, "1 = 1").await;
    assert!(total_all > total_79);
    let hanoi = report(&admin, "declarations", "&province=01").await;
    assert_eq!(hanoi.province.as_deref(), Some("01"));
    check_declarations(&server, &hanoi, "province_code = '01'").await;
    check_passages(&server, &report(&admin, "passages", "&province=01").await, "v.province_code = '01'").await;
    check_quarantine(&server, &report(&admin, "quarantine", "").await, "1 = 1", now).await;
    check_results(&server, &report(&admin, "results", "&province=01").await, "s.site_province = '01'").await;
    check_vaccination(&server, &report(&admin, "vaccination", "").await, |_| "1 = 1".to_owned()).await;

    // An agency admin: the passages of its own venues only, in every province; no other report.
    let own = report(&agency_admin, "passages", "").await;
    let (names, silent) = check_passages(&server, &own, "v.agency_id = 'ag-79'").await;
    assert_eq!(names, vec!["=Siêu thị \"Co.op\", Q1", "Chợ Bến Thành"]);
    assert_eq!(silent, vec!["Nhà văn hoá phường"]);
    for kind in ["declarations", "quarantine", "results", "vaccination"] {
        assert_eq!(status(&agency_admin, &format!("/v1/reports/{kind}")).await, Some(403), "{kind}");
    }

    // Everyone else: 403; no token: 401; an unknown report: 404; a bad period or code: 422.
    assert_eq!(status(&operator, "/v1/reports/passages").await, Some(403));
    let phone = server.client();
    let identity = phone.register_device("android").await.unwrap();
    phone.sign_in_device(&identity).await.unwrap();
    assert_eq!(status(&phone, "/v1/reports/declarations").await, Some(403));
    let anonymous = reqwest::get(format!("{}/v1/reports/declarations", server.base_url)).await.unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
    assert_eq!(status(&officer, "/v1/reports/people").await, Some(404));
    assert_eq!(status(&officer, "/v1/reports/declarations?from=2021-07-02&to=2021-07-01").await, Some(422));
    assert_eq!(status(&officer, "/v1/reports/declarations?from=2020-01-01&to=2021-07-01").await, Some(422));
    assert_eq!(status(&admin, "/v1/reports/declarations?province=7").await, Some(422));
    assert_eq!(status(&officer, "/v1/reports/declarations?from=yesterday").await, Some(422));
    // Without dates: the two weeks that end today in Vietnam.
    let default: Value = officer.get_json("/v1/reports/declarations").await.unwrap();
    assert_eq!((default["from"].as_str(), default["to"].as_str()), (Some("2021-06-18"), Some("2021-07-01")));

    // The endpoint is in the OpenAPI document.
    let document: Value = reqwest::get(format!("{}/openapi.json", server.base_url)).await.unwrap().json().await.unwrap();
    assert!(document["paths"]["/v1/reports/{kind}"]["get"].is_object());
    server.stop().await;
}
