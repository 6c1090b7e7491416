//! Distribution by strategy, eligibility and limits; the tick's lease and route; inactivity.

use crate::channels::{column, count, setup, wa_text, whatsapp_post, Setup};
use crate::helpers::TestApp;
use chrono::Duration;
use serde_json::json;
use std::collections::HashMap;

pub(crate) fn group_with(
    app: &TestApp,
    strategy: &str,
    agents: &[&str],
    limit: i64,
) -> (Setup, Vec<(String, i64)>) {
    let s = setup(app, "whatsapp", None);
    app.patch(
        &s.admin,
        &format!("/api/admin/groups/{}", s.group),
        json!({"queue_strategy": strategy}),
    )
    .assert_status(200);
    let ids: Vec<i64> = agents.iter().map(|a| app.user_id(&s.admin, a)).collect();
    app.post(
        &s.admin,
        &format!("/api/admin/groups/{}/members", s.group),
        json!({"ids": ids}),
    )
    .assert_status(200);
    for id in &ids {
        app.update_user(&s.admin, *id, json!({"max_concurrent": limit}))
            .assert_status(200);
    }
    let tokens = agents
        .iter()
        .zip(ids)
        .map(|(a, id)| (app.token(a), id))
        .collect();
    (s, tokens)
}

pub(crate) fn ready(app: &TestApp, token: &str) {
    app.call(
        "PUT",
        "/api/inbox/status",
        Some(token),
        Some(json!({"status": "ready"})),
    )
    .assert_status(200);
}

/// The console's heartbeat, as it sends it every few seconds.
pub(crate) fn alive(app: &TestApp, token: &str) {
    app.post(token, "/api/inbox/heartbeat", json!({}))
        .assert_status(204);
}

pub(crate) fn arrive(app: &TestApp, s: &Setup, n: usize, offset: usize) {
    for i in offset..offset + n {
        whatsapp_post(
            app,
            s.channel,
            &wa_text(
                &format!("55119{:08}", 20_000_000 + i),
                &format!("wamid.r{i}"),
                "oi",
            ),
        )
        .assert_status(200);
    }
}

/// Agent id of each assignment, in assignment order.
fn assignments(app: &TestApp) -> Vec<i64> {
    column(
        app,
        "SELECT agent_id FROM conversations WHERE agent_id IS NOT NULL ORDER BY assigned_at, id",
    )
    .iter()
    .map(|a| a.parse().unwrap())
    .collect()
}

#[test]
fn circular_goes_round_the_ready_agents_and_survives_a_restart() {
    let app = TestApp::spawn();
    let (s, agents) = group_with(&app, "circular", &["agent1", "agent2", "agent3"], 80);
    for (t, _) in &agents {
        ready(&app, t);
    }
    arrive(&app, &s, 9, 0);
    let ids: Vec<i64> = agents.iter().map(|(_, id)| *id).collect();
    let expected: Vec<i64> = (0..9).map(|i| ids[i % 3]).collect();
    assert_eq!(assignments(&app), expected);

    // Restart: the rotation resumes after the last agent served.
    let TestApp { app: host, dir, .. } = app;
    drop(host);
    let app = TestApp::open(dir);
    arrive(&app, &s, 2, 100);
    let all = assignments(&app);
    assert_eq!(&all[9..], &[ids[0], ids[1]]);
}

#[test]
fn random_spreads_evenly_over_the_eligible() {
    let app = TestApp::spawn();
    let (s, agents) = group_with(&app, "random", &["agent1", "agent2", "agent3"], 80);
    for (t, _) in &agents {
        ready(&app, t);
    }
    arrive(&app, &s, 210, 0);
    let mut per: HashMap<i64, usize> = HashMap::new();
    for a in assignments(&app) {
        *per.entry(a).or_default() += 1;
    }
    assert_eq!(per.len(), 3);
    // 70 each expected; these bounds fail by chance far less than once in a million runs.
    assert!(per.values().all(|n| (35..=105).contains(n)), "{per:?}");
}

#[test]
fn agent_priority_serves_the_highest_first_and_rotates_ties() {
    let app = TestApp::spawn();
    let (s, agents) = group_with(&app, "agent_priority", &["agent1", "agent2", "agent3"], 2);
    let ids: Vec<i64> = agents.iter().map(|(_, id)| *id).collect();
    app.update_user(&s.admin, ids[0], json!({"priority": 1}))
        .assert_status(200);
    app.update_user(&s.admin, ids[1], json!({"priority": 9}))
        .assert_status(200);
    app.update_user(&s.admin, ids[2], json!({"priority": 9}))
        .assert_status(200);
    for (t, _) in &agents {
        ready(&app, t);
    }
    arrive(&app, &s, 6, 0);
    // The two priority-9 agents alternate until full; then the priority-1 agent.
    assert_eq!(
        assignments(&app),
        [ids[1], ids[2], ids[1], ids[2], ids[0], ids[0]]
    );
}

#[test]
fn least_conversations_and_least_handling_time_balance_the_day() {
    let app = TestApp::spawn();
    let (s, agents) = group_with(&app, "least_conversations", &["agent1", "agent2"], 80);
    let ids: Vec<i64> = agents.iter().map(|(_, id)| *id).collect();
    ready(&app, &agents[0].0);
    arrive(&app, &s, 3, 0);
    ready(&app, &agents[1].0);
    arrive(&app, &s, 4, 10);
    // agent2 started the day with none: it takes new customers until it has as many.
    assert_eq!(&assignments(&app)[3..], &[ids[1], ids[1], ids[1], ids[0]]);

    let app = TestApp::spawn();
    let (s, agents) = group_with(&app, "least_handling_time", &["agent1", "agent2"], 80);
    let ids: Vec<i64> = agents.iter().map(|(_, id)| *id).collect();
    ready(&app, &agents[0].0);
    arrive(&app, &s, 1, 0);
    app.clock.advance(Duration::minutes(30));
    ready(&app, &agents[1].0);
    arrive(&app, &s, 1, 10);
    app.clock.advance(Duration::minutes(1));
    // agent1 has handled 31 minutes today, agent2 one: agent2 gets the next customer.
    arrive(&app, &s, 1, 20);
    assert_eq!(assignments(&app), [ids[0], ids[1], ids[1]]);
}

#[test]
fn only_ready_members_within_their_limit_and_hours_receive_work() {
    let app = TestApp::spawn();
    let (s, agents) = group_with(&app, "circular", &["agent1", "agent2"], 2);
    let outsider = app.token("agent3");
    ready(&app, &outsider);
    ready(&app, &agents[0].0);
    // agent2 works only on Sundays: never eligible on this Monday.
    app.update_user(
        &s.admin,
        agents[1].1,
        json!({"working_hours": [{"day": "sun", "start": "00:00", "end": "24:00"}]}),
    )
    .assert_status(200);
    arrive(&app, &s, 5, 0);
    assert_eq!(
        assignments(&app),
        [agents[0].1, agents[0].1],
        "member, ready, within the limit of 2"
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM conversations WHERE status = 'queued'"
        ),
        3
    );
    // A tick changes nothing while nobody has room; a close frees a slot and it fills at once.
    assert_eq!(app.app.tick().unwrap().assigned, 0);
    let first = column(
        &app,
        "SELECT id FROM conversations WHERE status = 'assigned' ORDER BY id LIMIT 1",
    )[0]
    .clone();
    app.post(
        &agents[0].0,
        &format!("/api/inbox/conversations/{first}/close"),
        json!({}),
    )
    .assert_status(200);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM conversations WHERE status = 'queued'"
        ),
        2
    );
}

#[test]
fn the_tick_route_needs_its_secret_and_overlapping_ticks_do_nothing() {
    let app = TestApp::spawn();
    let tick = |secret: Option<&str>| app.call("POST", "/internal/tick", secret, None);
    tick(None).assert_error(403, "tick_disabled");
    // With a secret configured (a second platform whose variables carry one).
    let dir = tempfile::tempdir().unwrap();
    let config = atende_host::Config {
        data_dir: dir.path().to_path_buf(),
        web_root: std::path::PathBuf::from("."),
        variables: HashMap::from([("tick_secret".to_owned(), "tick-123".to_owned())]),
    };
    let host = atende_host::App::open(config, std::sync::Arc::new(app.clock.clone())).unwrap();
    let call = |secret: &str| {
        let response = host.handle(
            http::Request::post("/internal/tick")
                .header("authorization", format!("Bearer {secret}"))
                .body(Vec::new())
                .unwrap(),
            None,
        );
        crate::contract::check("POST", "/internal/tick", &response);
        response
    };
    assert_eq!(call("wrong").status(), 401);
    let ok = call("tick-123");
    assert_eq!(ok.status(), 200);
    let report: serde_json::Value = serde_json::from_slice(ok.body()).unwrap();
    assert_eq!(report["ran"], true);
    assert_eq!(report["active_messages"], 0, "{report}");
    // Someone else holds the lease: this run does nothing.
    host.with_ctx(|ctx| {
        atende_shared::routing::sql::acquire_lease(
            ctx.db,
            "tick",
            "other-worker",
            ctx.now_ms(),
            ctx.now_ms() + 30_000,
        )
        .unwrap()
    })
    .unwrap();
    let skipped: serde_json::Value = serde_json::from_slice(call("tick-123").body()).unwrap();
    assert_eq!(skipped["ran"], false);
    app.clock.advance(Duration::seconds(30));
    let again: serde_json::Value = serde_json::from_slice(call("tick-123").body()).unwrap();
    assert_eq!(again["ran"], true, "an expired lease is taken over");
}

#[test]
fn inactivity_warns_at_its_percentage_and_closes_exactly_at_the_deadline() {
    let app = TestApp::spawn();
    let s = setup(&app, "whatsapp", None);
    app.patch(
        &s.admin,
        &format!("/api/admin/groups/{}", s.group),
        json!({"timers": {"inactivity_minutes": 60, "inactivity_warning_percent": 80}}),
    )
    .assert_status(200);
    whatsapp_post(&app, s.channel, &wa_text("5511987654321", "wamid.i1", "oi")).assert_status(200);
    let arrived = app.clock.now_ms();

    app.clock
        .advance(Duration::minutes(48) - Duration::seconds(1));
    assert_eq!(
        app.app.tick().unwrap().inactivity_warnings,
        0,
        "one second before 80%"
    );
    app.clock.advance(Duration::seconds(1));
    assert_eq!(app.app.tick().unwrap().inactivity_warnings, 1);
    assert_eq!(app.app.tick().unwrap().inactivity_warnings, 0, "once");
    assert_eq!(
        column(&app, "SELECT body FROM messages WHERE role = 'system'"),
        ["O protocolo está próximo de atingir o tempo de inatividade!"]
    );

    app.clock
        .advance(Duration::minutes(12) - Duration::seconds(1));
    assert_eq!(
        app.app.tick().unwrap().inactivity_closes,
        0,
        "one second before the deadline"
    );
    app.clock.advance(Duration::seconds(5));
    assert_eq!(app.app.tick().unwrap().inactivity_closes, 1);
    let closed = column(
        &app,
        "SELECT status || ' ' || closed_by || ' ' || closed_at FROM conversations",
    );
    assert_eq!(
        closed,
        [format!("closed client_inactivity {}", arrived + 3_600_000)],
        "the time the deadline fell, not the tick's"
    );
    assert_eq!(
        column(
            &app,
            "SELECT actor FROM conversation_events WHERE kind = 'closed'"
        ),
        ["client_inactivity"]
    );
}

#[test]
fn a_customer_message_restarts_the_inactivity_clock() {
    let app = TestApp::spawn();
    let s = setup(&app, "whatsapp", None);
    app.patch(
        &s.admin,
        &format!("/api/admin/groups/{}", s.group),
        json!({"timers": {"inactivity_minutes": 10}}),
    )
    .assert_status(200);
    whatsapp_post(&app, s.channel, &wa_text("5511987654321", "wamid.a", "oi")).assert_status(200);
    app.clock.advance(Duration::minutes(9));
    whatsapp_post(
        &app,
        s.channel,
        &wa_text("5511987654321", "wamid.b", "ainda aqui"),
    )
    .assert_status(200);
    app.clock.advance(Duration::minutes(9));
    assert_eq!(app.app.tick().unwrap().inactivity_closes, 0);
    app.clock.advance(Duration::minutes(1));
    assert_eq!(app.app.tick().unwrap().inactivity_closes, 1);
}

#[test]
fn ticks_arrivals_transfers_and_status_changes_at_once_never_double_assign_or_overfill() {
    let app = std::sync::Arc::new(TestApp::spawn());
    let (s, agents) = group_with(
        &app,
        "least_conversations",
        &["agent1", "agent2", "agent3", "agent4"],
        5,
    );
    // A second group the first may transfer to, answered by two other people.
    let operation = app
        .get(&s.admin, &format!("/api/admin/groups/{}", s.group))
        .body["operation_id"]
        .as_i64()
        .unwrap();
    let second = app.make(
        &s.admin,
        "groups",
        json!({"name": "Segundo nível", "operation_id": operation}),
    );
    app.patch(
        &s.admin,
        &format!("/api/admin/groups/{}", s.group),
        json!({"transfer_group_ids": [second]}),
    )
    .assert_status(200);
    let seconds: Vec<(String, i64)> = ["supagent", "agent3"]
        .iter()
        .map(|u| (app.token(u), app.user_id(&s.admin, u)))
        .collect();
    app.post(
        &s.admin,
        &format!("/api/admin/groups/{second}/members"),
        json!({"ids": seconds.iter().map(|(_, id)| *id).collect::<Vec<_>>()}),
    )
    .assert_status(200);
    app.update_user(&s.admin, seconds[0].1, json!({"max_concurrent": 5}))
        .assert_status(200);
    let admin = app.token("admin");
    app.make(&admin, "pause-reasons", json!({"name": "Café"}));
    let mut workers = Vec::new();
    // Arrivals: 4 threads x 500 customers.
    for t in 0..4 {
        let (app, channel) = (app.clone(), s.channel);
        workers.push(std::thread::spawn(move || {
            for i in 0..500 {
                let n = t * 1000 + i;
                whatsapp_post(
                    &app,
                    channel,
                    &wa_text(
                        &format!("55119{:08}", 30_000_000 + n),
                        &format!("wamid.c{n}"),
                        "oi",
                    ),
                );
            }
        }));
    }
    // Four ticks running over and over.
    for _ in 0..4 {
        let app = app.clone();
        workers.push(std::thread::spawn(move || {
            for _ in 0..40 {
                let _ = app.app.tick();
            }
        }));
    }
    // Agents going ready and paused, and transferring what they hold to the second group.
    for (token, _) in agents.clone().into_iter().chain(seconds.clone()) {
        let app = app.clone();
        workers.push(std::thread::spawn(move || {
            for round in 0..25 {
                let body = if round % 3 == 2 {
                    json!({"status": "paused", "reason": "Café"})
                } else {
                    json!({"status": "ready"})
                };
                app.call("PUT", "/api/inbox/status", Some(&token), Some(body));
                let held = app.get(&token, "/api/inbox/conversations").body;
                if let Some(first) = held["items"]
                    .as_array()
                    .and_then(|i| i.first())
                    .and_then(|c| c["id"].as_i64())
                {
                    app.post(
                        &token,
                        &format!("/api/inbox/conversations/{first}/transfer"),
                        json!({"to_group_id": second}),
                    );
                }
            }
        }));
    }
    for w in workers {
        w.join().unwrap();
    }
    for (token, _) in agents.iter().chain(seconds.iter()) {
        ready(&app, token);
    }
    app.app.tick().unwrap();

    // Checked against the database, not the responses.
    assert_eq!(count(&app, "SELECT COUNT(*) FROM conversations"), 2000);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM conversations WHERE status NOT IN ('queued', 'assigned')"
        ),
        0
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM conversations WHERE status = 'assigned' AND agent_id IS NULL"
        ),
        0
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM conversations WHERE status = 'queued' AND agent_id IS NOT NULL"
        ),
        0
    );
    assert!(
        count(
            &app,
            "SELECT COUNT(*) FROM conversation_events WHERE kind = 'transferred'"
        ) > 0,
        "transfers happened"
    );
    assert_eq!(count(&app, "SELECT COALESCE(MAX(n), 0) FROM (SELECT COUNT(*) AS n FROM conversations WHERE status = 'assigned' GROUP BY agent_id)"), 5, "nobody over the limit");
    // Every assignment event is followed by the conversation leaving that agent before any
    // other agent is assigned: nobody ever held a conversation at the same time as another.
    let overlaps = count(&app, "SELECT COUNT(*) FROM conversation_events a JOIN conversation_events b \
        ON b.conversation_id = a.conversation_id AND b.id > a.id AND b.kind = 'assigned' AND b.actor_id <> a.actor_id \
        WHERE a.kind = 'assigned' AND NOT EXISTS (SELECT 1 FROM conversation_events x WHERE x.conversation_id = a.conversation_id \
          AND x.id > a.id AND x.id < b.id AND x.kind IN ('transferred', 'answer_timeout', 'agent_disconnected', 'offer_expired', 'offer_rejected'))");
    assert_eq!(
        overlaps, 0,
        "no conversation was ever given to two agents at once"
    );
}

#[test]
fn offers_hold_the_slot_until_accepted_rejected_or_expired() {
    let app = TestApp::spawn();
    let (s, agents) = group_with(&app, "circular", &["agent1", "agent2"], 1);
    app.patch(
        &s.admin,
        &format!("/api/admin/groups/{}", s.group),
        json!({"offer_mode": "accept_reject", "offer_timeout_seconds": 30}),
    )
    .assert_status(200);
    let (a1, a2) = (&agents[0], &agents[1]);
    ready(&app, &a1.0);
    arrive(&app, &s, 2, 0);

    let offers = app.get(&a1.0, "/api/inbox/offers");
    let items = offers.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "the offer holds agent1's only slot");
    assert_eq!(items[0]["channel"], "whatsapp");
    assert!(items[0]["phone"].as_str().unwrap().starts_with("+55"));
    assert_eq!(items[0]["queue"], "Entrada whatsapp 1");
    let first = items[0]["conversation_id"].as_i64().unwrap();
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM conversations WHERE status = 'queued'"
        ),
        1
    );

    // Rejected with nobody else ready: back to the same agent.
    assert_eq!(
        app.post(
            &a1.0,
            &format!("/api/inbox/offers/{first}/reject"),
            json!({"reason": "em reunião"})
        )
        .status,
        204
    );
    assert_eq!(
        column(
            &app,
            &format!("SELECT status || ' ' || agent_id FROM conversations WHERE id = {first}")
        ),
        [format!("offered {}", a1.1)]
    );
    // With agent2 ready, the next reject sends it to agent2.
    ready(&app, &a2.0);
    let second_offer = app.get(&a2.0, "/api/inbox/offers").body["items"][0]["conversation_id"]
        .as_i64()
        .unwrap();
    assert_ne!(second_offer, first, "agent2 got the other waiting customer");
    app.post(
        &a1.0,
        &format!("/api/inbox/offers/{first}/reject"),
        json!({}),
    )
    .assert_status(204);
    // agent2 is full with its own offer, so nobody else is available: back to agent1 again.
    assert_eq!(
        column(
            &app,
            &format!("SELECT status || ' ' || agent_id FROM conversations WHERE id = {first}")
        ),
        [format!("offered {}", a1.1)]
    );
    // agent2 accepts its offer; the other expires for agent1 after 30 s.
    let accepted = app.post(
        &a2.0,
        &format!("/api/inbox/offers/{second_offer}/accept"),
        json!({}),
    );
    assert_eq!(accepted.body["status"], "assigned");
    app.post(
        &a2.0,
        &format!("/api/inbox/offers/{second_offer}/accept"),
        json!({}),
    )
    .assert_error(409, "offer_gone");
    app.clock.advance(Duration::seconds(29));
    app.app.tick().unwrap();
    assert_eq!(
        column(
            &app,
            &format!("SELECT status FROM conversations WHERE id = {first}")
        ),
        ["offered"]
    );
    app.clock.advance(Duration::seconds(1));
    app.app.tick().unwrap();
    assert!(column(
        &app,
        &format!("SELECT kind FROM conversation_events WHERE conversation_id = {first}")
    )
    .contains(&"offer_expired".to_owned()));
    // Expired and offered again (agent1 is the only one with room), so it can still be taken.
    let again = app.get(&a1.0, "/api/inbox/offers").body["items"][0]["conversation_id"]
        .as_i64()
        .unwrap();
    assert_eq!(again, first);
    assert_eq!(
        app.post(
            &a1.0,
            &format!("/api/inbox/offers/{first}/accept"),
            json!({})
        )
        .body["status"],
        "assigned"
    );
}

/// agent1, ready, holds one customer's conversation in a group with automatic pending after
/// 15 minutes of the customer's silence.
fn one_conversation_pending_after_15_minutes(app: &TestApp) -> Vec<(String, i64)> {
    let (s, agents) = group_with(app, "circular", &["agent1"], 5);
    app.patch(
        &s.admin,
        &format!("/api/admin/groups/{}", s.group),
        json!({"flags": {"auto_pending": true}, "timers": {"auto_pending_minutes": 15}}),
    )
    .assert_status(200);
    ready(app, &agents[0].0);
    arrive(app, &s, 1, 0);
    agents
}

#[test]
fn automatic_pending_after_the_customers_silence() {
    let app = TestApp::spawn();
    let agents = one_conversation_pending_after_15_minutes(&app);
    app.clock
        .advance(Duration::minutes(15) - Duration::seconds(1));
    alive(&app, &agents[0].0);
    assert_eq!(app.app.tick().unwrap().auto_pending, 0);
    app.clock.advance(Duration::seconds(1));
    assert_eq!(app.app.tick().unwrap().auto_pending, 1);
    assert_eq!(
        column(&app, "SELECT status FROM conversations"),
        ["pending"]
    );
}

#[test]
fn an_ask_for_distribution_is_either_run_by_the_asker_or_seen_by_the_running_holder() {
    use atende_shared::routing::sql::{ask_for_run, release_unless_wanted, start_run};
    let app = TestApp::spawn();
    app.app
        .with_ctx(|ctx| {
            let db = ctx.db;
            let (name, now, until) = ("distribute:1:7", 1_000, 11_000);
            assert!(
                ask_for_run(db, name, "h", now, until).unwrap(),
                "free: h runs"
            );
            start_run(db, name, "h").unwrap();
            assert!(
                !ask_for_run(db, name, "r", now, until).unwrap(),
                "h is running"
            );
            assert!(
                !release_unless_wanted(db, name, "h").unwrap(),
                "r asked during h's run: h runs again"
            );
            start_run(db, name, "h").unwrap();
            assert!(
                release_unless_wanted(db, name, "h").unwrap(),
                "nobody asked"
            );
            assert!(
                ask_for_run(db, name, "r", now, until).unwrap(),
                "free again: r runs"
            );
            // A holder that died: its lease expires and the next ask takes over.
            assert!(ask_for_run(db, name, "s", until, until + 10_000).unwrap());
            assert!(
                !release_unless_wanted(db, name, "r").unwrap(),
                "r no longer holds it"
            );
        })
        .unwrap();
}

#[test]
fn a_burst_of_first_messages_is_handed_out_by_the_requests_themselves_without_a_tick() {
    let app = std::sync::Arc::new(TestApp::spawn());
    let (s, agents) = group_with(
        &app,
        "circular",
        &["agent1", "agent2", "agent3", "agent4"],
        50,
    );
    for (token, _) in &agents {
        ready(&app, token);
    }
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(40));
    let handles: Vec<_> = (0..40)
        .map(|i| {
            let (app, barrier) = (app.clone(), barrier.clone());
            let channel = s.channel;
            std::thread::spawn(move || {
                barrier.wait();
                for j in 0..5 {
                    let n = i * 5 + j;
                    whatsapp_post(
                        &app,
                        channel,
                        &wa_text(
                            &format!("55119{:08}", 30_000_000 + n),
                            &format!("wamid.B{n}"),
                            "oi",
                        ),
                    )
                    .assert_status(200);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    // Concurrent requests coalesce their distributions; none is left for the tick.
    assert_eq!(
        column(
            &app,
            "SELECT status || ' ' || COUNT(*) FROM conversations GROUP BY status"
        ),
        ["assigned 200"]
    );
    let per_agent = column(
        &app,
        "SELECT COUNT(*) FROM conversations GROUP BY agent_id ORDER BY agent_id",
    );
    assert_eq!(per_agent, ["50", "50", "50", "50"], "round robin evenly");
}

#[test]
fn an_agents_poll_runs_the_timers_when_no_scheduler_has_for_five_seconds() {
    let app = TestApp::spawn();
    let agents = one_conversation_pending_after_15_minutes(&app);
    let poll = || {
        app.get(&agents[0].0, "/api/inbox/events?after=0")
            .assert_status(200);
    };
    app.clock
        .advance(Duration::minutes(15) - Duration::seconds(1));
    alive(&app, &agents[0].0);
    assert_eq!(app.app.tick().unwrap().auto_pending, 0);

    // The deadline has come, but a scheduler ran a second ago: the poll leaves it to the next.
    app.clock.advance(Duration::seconds(1));
    poll();
    app.clock
        .advance(Duration::seconds(4) - Duration::milliseconds(1));
    poll();
    assert_eq!(
        column(&app, "SELECT status FROM conversations"),
        ["assigned"]
    );
    // Five seconds without a run: the poll runs the tick itself.
    app.clock.advance(Duration::milliseconds(1));
    poll();
    assert_eq!(
        column(&app, "SELECT status FROM conversations"),
        ["pending"]
    );
    assert_eq!(
        app.app.tick().unwrap().auto_pending,
        0,
        "done once, by the poll"
    );
}

#[test]
fn an_unanswered_conversation_goes_back_to_the_queue_and_to_another_agent() {
    let app = TestApp::spawn();
    let (s, agents) = group_with(&app, "circular", &["agent1", "agent2"], 5);
    app.patch(
        &s.admin,
        &format!("/api/admin/groups/{}", s.group),
        json!({"timers": {"agent_answer_minutes": 3}}),
    )
    .assert_status(200);
    ready(&app, &agents[0].0);
    arrive(&app, &s, 1, 0);
    ready(&app, &agents[1].0);
    let first_agent = column(&app, "SELECT agent_id FROM conversations")[0].clone();
    app.clock
        .advance(Duration::minutes(3) - Duration::seconds(1));
    alive(&app, &agents[0].0);
    alive(&app, &agents[1].0);
    assert_eq!(app.app.tick().unwrap().answer_timeouts, 0);
    app.clock.advance(Duration::seconds(1));
    let tick = app.app.tick().unwrap();
    assert_eq!((tick.answer_timeouts, tick.assigned), (1, 1));
    let now_with = column(&app, "SELECT agent_id FROM conversations")[0].clone();
    assert_ne!(
        now_with, first_agent,
        "the agent who let it wait is passed over"
    );
    assert!(
        column(
            &app,
            "SELECT actor FROM conversation_events WHERE kind = 'answer_timeout'"
        ) == ["agent_inactivity"]
    );
    // An answer in time keeps it.
    let id = column(&app, "SELECT id FROM conversations")[0].clone();
    let holder = if now_with == agents[0].1.to_string() {
        &agents[0].0
    } else {
        &agents[1].0
    };
    app.post(
        holder,
        &format!("/api/inbox/conversations/{id}/messages"),
        json!({"text": "Olá!"}),
    )
    .assert_status(201);
    app.clock.advance(Duration::minutes(1));
    alive(&app, holder);
    assert_eq!(app.app.tick().unwrap().answer_timeouts, 0);
}

#[test]
fn a_disconnected_agents_conversations_return_to_the_queue_or_close_per_the_group() {
    let app = TestApp::spawn();
    let (s, agents) = group_with(&app, "circular", &["agent1", "agent2"], 5);
    ready(&app, &agents[0].0);
    arrive(&app, &s, 2, 0);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM conversations WHERE status = 'assigned'"
        ),
        2
    );
    let arrivals = column(&app, "SELECT arrived_at FROM conversations ORDER BY id");
    app.clock
        .advance(Duration::minutes(2) - Duration::seconds(1));
    assert_eq!(app.app.tick().unwrap().disconnected_agents, 0);
    app.clock.advance(Duration::seconds(1));
    assert_eq!(app.app.tick().unwrap().disconnected_agents, 1);
    assert_eq!(
        app.get(&agents[0].0, "/api/inbox/status").body["status"],
        "offline"
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM conversations WHERE status = 'queued'"
        ),
        2
    );
    assert_eq!(
        column(&app, "SELECT arrived_at FROM conversations ORDER BY id"),
        arrivals,
        "their place in the queue is kept"
    );

    // Without redirect, they are closed instead.
    app.patch(
        &s.admin,
        &format!("/api/admin/groups/{}", s.group),
        json!({"flags": {"redirect_on_disconnect": false}}),
    )
    .assert_status(200);
    ready(&app, &agents[1].0);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM conversations WHERE status = 'assigned'"
        ),
        2
    );
    app.clock.advance(Duration::minutes(1));
    app.post(&agents[1].0, "/api/inbox/heartbeat", json!({}))
        .assert_status(204);
    app.clock
        .advance(Duration::minutes(1) + Duration::seconds(30));
    assert_eq!(
        app.app.tick().unwrap().disconnected_agents,
        0,
        "the heartbeat kept it connected"
    );
    app.clock.advance(Duration::seconds(30));
    assert_eq!(app.app.tick().unwrap().disconnected_agents, 1);
    assert_eq!(
        column(
            &app,
            "SELECT DISTINCT status || ' ' || closed_by FROM conversations"
        ),
        ["closed agent_inactivity"]
    );
}

#[test]
fn customers_waiting_hear_their_position_periodically_or_when_it_changes() {
    let app = TestApp::spawn();
    let (s, agents) = group_with(&app, "circular", &["agent1"], 1);
    arrive(&app, &s, 3, 0);
    // Positions are noted silently at first; nobody moved.
    assert_eq!(app.app.tick().unwrap().queue_notices, 0);
    // agent1 takes the first: the other two move up and are told.
    ready(&app, &agents[0].0);
    assert_eq!(app.app.tick().unwrap().queue_notices, 2);
    assert_eq!(
        column(
            &app,
            "SELECT body FROM messages WHERE role = 'system' ORDER BY id"
        ),
        [
            "Você é o número 1 na fila. Em breve você será atendido.",
            "Você é o número 2 na fila. Em breve você será atendido."
        ]
    );
    assert_eq!(
        app.app.tick().unwrap().queue_notices,
        0,
        "no change, no notice"
    );

    // Periodic: every 2 minutes whatever happens.
    app.patch(&s.admin, &format!("/api/admin/groups/{}", s.group), json!({"flags": {"periodic_queue_position": true}, "timers": {"queue_position_minutes": 2}})).assert_status(200);
    app.clock
        .advance(Duration::minutes(2) - Duration::seconds(1));
    alive(&app, &agents[0].0);
    assert_eq!(app.app.tick().unwrap().queue_notices, 0);
    app.clock.advance(Duration::seconds(1));
    assert_eq!(app.app.tick().unwrap().queue_notices, 2);
}

#[test]
fn the_bots_inactivity_rule_moves_silent_customers_on() {
    let app = TestApp::spawn();
    let s = setup(&app, "whatsapp", None);
    app.patch(&s.admin, &format!("/api/admin/groups/{}", s.group),
        json!({"start_bot": "menu", "bot_inactivity": {"time": 5, "unit": "minutes", "action": "to_queue"}})).assert_status(200);
    whatsapp_post(
        &app,
        s.channel,
        &wa_text("5511987654321", "wamid.bot1", "oi"),
    )
    .assert_status(200);
    assert_eq!(column(&app, "SELECT status FROM conversations"), ["bot"]);
    app.clock
        .advance(Duration::minutes(5) - Duration::seconds(1));
    assert_eq!(app.app.tick().unwrap().bot_inactivity, 0);
    app.clock.advance(Duration::seconds(1));
    assert_eq!(app.app.tick().unwrap().bot_inactivity, 1);
    assert_eq!(column(&app, "SELECT status FROM conversations"), ["queued"]);
    assert_eq!(
        column(
            &app,
            "SELECT actor FROM conversation_events WHERE kind = 'queued' AND actor <> 'customer'"
        ),
        ["bot_inactivity"]
    );
}

#[test]
fn an_offer_is_rejected_and_a_conversation_closed_with_no_body_or_a_null_one() {
    let app = TestApp::spawn();
    let (s, agents) = group_with(&app, "circular", &["agent1"], 3);
    app.patch(
        &s.admin,
        &format!("/api/admin/groups/{}", s.group),
        json!({"offer_mode": "accept_reject", "offer_timeout_seconds": 30}),
    )
    .assert_status(200);
    let agent = &agents[0].0;
    ready(&app, agent);
    arrive(&app, &s, 2, 0);
    let offered = |app: &TestApp| -> Vec<i64> {
        app.get(agent, "/api/inbox/offers").body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["conversation_id"].as_i64().unwrap())
            .collect()
    };
    let offers = offered(&app);
    assert_eq!(offers.len(), 2);

    // Rejected with nobody else ready, each offer comes back to the same agent (seed 001);
    // the reason is simply absent from the timeline.
    app.call(
        "POST",
        &format!("/api/inbox/offers/{}/reject", offers[0]),
        Some(agent),
        None,
    )
    .assert_status(204);
    app.post(
        agent,
        &format!("/api/inbox/offers/{}/reject", offers[1]),
        serde_json::Value::Null,
    )
    .assert_status(204);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM conversation_events WHERE kind = 'offer_rejected'"
        ),
        2
    );

    for id in offered(&app) {
        app.post(agent, &format!("/api/inbox/offers/{id}/accept"), json!({}))
            .assert_status(200);
    }
    let closed = app.call(
        "POST",
        &format!("/api/inbox/conversations/{}/close", offers[0]),
        Some(agent),
        None,
    );
    closed.assert_status(200);
    assert_eq!(closed.body["status"], "closed");
    let closed = app.post(
        agent,
        &format!("/api/inbox/conversations/{}/close", offers[1]),
        serde_json::Value::Null,
    );
    closed.assert_status(200);
    assert_eq!(closed.body["status"], "closed");
    assert_eq!(closed.body["resolved"], serde_json::Value::Null);
    // A body that is neither nothing, null nor the closing script is still refused.
    app.post(
        agent,
        &format!("/api/inbox/conversations/{}/close", offers[1]),
        json!([1]),
    )
    .assert_error(422, "validation_failed");
}
