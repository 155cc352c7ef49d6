//! The Admin API's lists and single records, each a few lines over the skeleton in `list`.

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::list::{raw, AdminCall, ErrorStyle, ListSpec};
use crate::data::{self, Named};
use crate::tenant::Shape;

pub(crate) async fn agents(call: AdminCall) -> Response {
    let shape = call.shape();
    let spec = ListSpec::new("agents", "agents")
        .since()
        .poll_time()
        .extra("hiddenAgents", json!(0));
    call.list(spec, |d| d.agents.iter().collect(), |d, a| d.agent_json(a, shape))
}

pub(crate) async fn campaigns(call: AdminCall) -> Response {
    let shape = call.shape();
    // v34 campaigns have neither _links nor lastPollTime; the legacy shape wraps in resultSet.
    let legacy = shape == Shape::Legacy;
    let spec = ListSpec::new("campaigns", "campaigns").links(legacy).result_set(legacy);
    call.list(
        spec,
        |d| d.campaigns.iter().collect(),
        |d, c| raw(d.campaign_json(c, shape)),
    )
}

pub(crate) async fn skills(call: AdminCall) -> Response {
    let spec = ListSpec::new("skills", "skills").since().poll_time();
    call.list(spec, |d| d.skills.iter().collect(), |d, s| raw(d.skill_json(s)))
}

pub(crate) async fn dispositions(call: AdminCall) -> Response {
    let spec = ListSpec::new("dispositions", "dispositions")
        .since()
        .errors(ErrorStyle::Dated);
    call.list(
        spec,
        |d| d.dispositions.iter().collect(),
        |d, x| raw(d.disposition_json(x)),
    )
}

pub(crate) async fn unavailable_codes(call: AdminCall) -> Response {
    let shape = call.shape();
    // The legacy shape is a bare list: no total, no links.
    let v34 = shape == Shape::V34;
    let spec = ListSpec::new("unavailable-codes", "unavailableCodes")
        .errors(ErrorStyle::Dated)
        .links(v34)
        .total(v34);
    call.list(spec, |d| d.codes.iter().collect(), |d, c| raw(d.code_json(c, shape)))
}

pub(crate) async fn teams(call: AdminCall) -> Response {
    let spec = ListSpec::new("teams", "teams").since().poll_time();
    call.list(spec, |d| d.teams.iter().collect(), |d, t| raw(d.team_json(t)))
}

pub(crate) async fn security_profiles(call: AdminCall) -> Response {
    let spec = ListSpec::new("security-profiles", "profiles")
        .errors(ErrorStyle::General)
        .active_param(None)
        .business_unit(false)
        .total(false);
    call.list(
        spec,
        |_| data::PROFILES.iter().collect(),
        |d, (id, name, can_map)| {
            let id = id + d.profile_id_offset;
            let mut permissions = vec![json!({"permissionKey": "Agents", "optionKeys": ["View"]})];
            if *can_map {
                permissions.push(json!({"permissionKey": data::MAP_PERMISSION_KEY, "optionKeys": ["Map"]}));
            }
            raw(
                json!({"securityProfileId": id, "securityProfileName": name, "securityProfileStatusName": "Active",
                   "isInternal": false, "permissions": permissions}),
            )
        },
    )
}

/// `GET /teams/{teamId}/unavailable-codes` (param `activeOnly`): the codes valid for one team.
pub(crate) async fn team_unavailable_codes(call: AdminCall, Path((_, team_id)): Path<(String, String)>) -> Response {
    let rest = format!("teams/{team_id}/unavailable-codes");
    let Some(team) = find(&call, &team_id, |d| &d.teams) else {
        return missing(&call, ErrorStyle::Acd, &rest, "team", &team_id);
    };
    let shape = call.shape();
    let spec = ListSpec::new(rest, "unavailableCodes")
        .active_param(Some("activeOnly"))
        .business_unit(false)
        .total(false)
        .links(false)
        .result_set(shape == Shape::Legacy)
        .extra("teamId", json!(team.id))
        .extra("teamName", json!(team.name))
        .extra("teamUuid", json!(data::team_uuid((team.id - 11070) as usize)))
        .extra("divisionNo", json!(0));
    call.list(spec, |d| d.team_codes(&team), |d, c| raw(d.team_code_json(c, shape)))
}

/// `GET /skills/{skillId}/dispositions` (params `skip`, `top`): the dispositions assigned to a skill.
pub(crate) async fn skill_dispositions(call: AdminCall, Path((_, skill_id)): Path<(String, String)>) -> Response {
    let rest = format!("skills/{skill_id}/dispositions");
    let Some(skill) = find(&call, &skill_id, |d| &d.skills) else {
        return missing(&call, ErrorStyle::Acd, &rest, "skill", &skill_id);
    };
    let spec = ListSpec::new(rest, "dispositions")
        .active_param(None)
        .business_unit(false)
        .extra("skillId", json!(skill.id))
        .extra("skillName", json!(skill.name));
    call.list(
        spec,
        |d| d.skill_dispositions(&skill),
        |d, x| raw(d.skill_disposition_json(x)),
    )
}

/// `GET /agents/{agentId|userId}`: one agent, as `{"agents": [{…}]}`.
pub(crate) async fn agent(call: AdminCall, Path((_, id)): Path<(String, String)>) -> Response {
    let found = {
        let data = call.state.data.lock().unwrap();
        data.agents
            .iter()
            .find(|a| a.agent_id.to_string() == id || a.user_id.eq_ignore_ascii_case(&id))
            .map(|a| data.agent_json(a, call.shape()))
    };
    match found {
        Some(agent) => Json(json!({"agents": [agent]})).into_response(),
        None => missing(&call, ErrorStyle::Acd, &format!("agents/{id}"), "agent", &id),
    }
}

/// The record of `records` whose numeric id is `id` (a copy: the data lock is not held).
fn find(call: &AdminCall, id: &str, records: impl Fn(&data::TenantData) -> &Vec<Named>) -> Option<Named> {
    let id: u64 = id.parse().ok()?;
    let data = call.state.data.lock().unwrap();
    records(&data).iter().find(|r| r.id == id).cloned()
}

fn missing(call: &AdminCall, style: ErrorStyle, rest: &str, what: &str, id: &str) -> Response {
    let message = format!("No {what} with id '{id}' exists in this business unit.");
    style.answer(StatusCode::NOT_FOUND, &call.path(rest), &message)
}
