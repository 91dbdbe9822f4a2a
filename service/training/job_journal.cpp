#include "service/training/job_journal.h"

#include <boost/json.hpp>

#include "service/json_codec.h"
#include "service/training/train_report.h"
#include "storage/store.h"

namespace attnrec::service {
namespace {

namespace json = boost::json;

constexpr std::string_view kJobsKey = "train_jobs";

std::optional<JobState> parse_state(std::string_view name) {
  for (JobState s : {JobState::kQueued, JobState::kRunning, JobState::kSucceeded, JobState::kFailed,
                     JobState::kCancelled}) {
    if (job_state_name(s) == name) return s;
  }
  return std::nullopt;
}

// {"job","state","trigger","options":{..},"created_ms","started_ms",
//  "finished_ms","epoch","epochs","version","activated","decision","error"}
json::object encode_job(const TrainJob& j) {
  return json::object{{"job", j.id},
                      {"state", job_state_name(j.state)},
                      {"trigger", j.trigger},
                      {"options", job_options_json(j)},
                      {"created_ms", j.created_ms},
                      {"started_ms", j.started_ms},
                      {"finished_ms", j.finished_ms},
                      {"epoch", j.epoch},
                      {"epochs", j.epochs},
                      {"version", j.version},
                      {"activated", j.activated},
                      {"decision", j.decision},
                      {"error", j.error}};
}

bool decode_job(const json::value& v, TrainJob* j) {
  if (!v.is_object()) return false;
  const json::object& o = v.as_object();
  auto str = [&](std::string_view k) {
    const auto* x = o.if_contains(k);
    return x && x->is_string() ? std::string(x->get_string()) : std::string();
  };
  auto int64 = [&](std::string_view k) {
    const auto* x = o.if_contains(k);
    return x && x->is_number() ? x->to_number<int64_t>() : int64_t{0};
  };
  const auto state = parse_state(str("state"));
  j->id = str("job");
  if (j->id.empty() || !state) return false;
  j->state = *state;
  j->trigger = str("trigger");
  if (const auto* options = o.if_contains("options"); options && options->is_object()) {
    j->restored_options = serialize_json(*options);
  }
  j->created_ms = int64("created_ms");
  j->started_ms = int64("started_ms");
  j->finished_ms = int64("finished_ms");
  j->epoch = static_cast<int>(int64("epoch"));
  j->epochs = static_cast<int>(int64("epochs"));
  j->version = str("version");
  const auto* activated = o.if_contains("activated");
  j->activated = activated && activated->is_bool() && activated->get_bool();
  j->decision = str("decision");
  j->error = str("error");
  return true;
}

}  // namespace

Status JobJournal::load(std::vector<TrainJob>* jobs) const {
  jobs->clear();
  std::string text;
  const Status s = store_.get_meta(kJobsKey, &text);
  if (s.is_not_found()) return Status::ok();
  if (!s.is_ok()) return s;
  boost::system::error_code ec;
  const json::value v = json::parse(text, ec);
  const Status corrupt = Status::corruption("the saved training jobs (meta 'train_jobs') are corrupt");
  if (ec || !v.is_array()) return corrupt;
  for (const json::value& e : v.as_array()) {
    TrainJob job;
    if (!decode_job(e, &job)) return corrupt;
    if (job.state == JobState::kQueued || job.state == JobState::kRunning) {
      // The process died with the job unfinished (nothing else leaves these
      // states saved: a clean stop cancels and saves first).
      job.error = "interrupted: the server stopped while this job was " +
                  std::string(job_state_name(job.state)) +
                  " (crash, kill or power loss); the active model is the one GET /v1/models names";
      job.state = JobState::kFailed;
    }
    jobs->push_back(std::move(job));
  }
  return Status::ok();
}

Status JobJournal::save(const std::vector<TrainJob>& jobs) {
  json::array a;
  a.reserve(jobs.size());
  for (const TrainJob& j : jobs) a.emplace_back(encode_job(j));
  return store_.set_meta(kJobsKey, serialize_json(a));
}

}  // namespace attnrec::service
