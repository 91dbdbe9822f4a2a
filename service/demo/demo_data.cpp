#include "service/demo/demo_data.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <boost/json/serialize.hpp>

#include "base/durable_file.h"
#include "service/json_codec.h"
#include "service/demo/movie_catalog.h"
#include "service/demo/user_behaviour.h"

namespace attnrec::service {

namespace {

namespace fs = std::filesystem;

std::string id_of(char prefix, size_t index) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%c%05zu", prefix, index + 1);
  return buf;
}

}  // namespace

Status generate_demo_data(const DemoOptions& options, DemoData* data, DemoSummary* summary) {
  if (options.users < 1 || options.users > 1000000) {
    return Status::invalid_argument("users must be between 1 and 1000000");
  }
  if (options.items < 50 || options.items > 1000000) {
    return Status::invalid_argument("items must be between 50 and 1000000");
  }
  if (options.days < 1 || options.days > 3650) {
    return Status::invalid_argument("days must be between 1 and 3650");
  }
  if (options.end_ms < int64_t{options.days} * demo::kDaySeconds * 1000 * 2) {
    return Status::invalid_argument("end time is too early for the period");
  }
  demo::MovieCatalog c;
  demo::build_movie_catalog(options.seed, options.items, &c);

  *data = DemoData{};
  *summary = DemoSummary{};
  data->items.reserve(c.specs.size());
  for (size_t i = 0; i < c.specs.size(); ++i) {
    const demo::Spec& sp = c.specs[i];
    Item item;
    item.id = id_of('m', i);
    item.title = sp.title;
    item.text = sp.text;
    item.tags.emplace_back(demo::genre_name(sp.genre));
    if (sp.genre2 >= 0) item.tags.emplace_back(demo::genre_name(sp.genre2));
    for (int m : sp.moods) item.tags.emplace_back(demo::mood_name(m));
    item.attributes["year"] = sp.year;
    item.attributes["duration_min"] = sp.minutes;
    if (sp.series >= 0) {
      item.attributes["series"] = c.series_names[sp.series];
      item.attributes["part"] = sp.part;
    }
    data->items.push_back(std::move(item));
  }

  std::vector<demo::UserEvent> events;
  events.reserve(options.users * 70);
  for (size_t u = 0; u < options.users; ++u) {
    demo::simulate_user(options, c, static_cast<uint32_t>(u), &events);
  }
  // One stream in time order, as an event log would hold it.
  std::sort(events.begin(), events.end(), [](const demo::UserEvent& a, const demo::UserEvent& b) {
    return std::tie(a.ts, a.user, a.seq) < std::tie(b.ts, b.user, b.seq);
  });

  static constexpr std::array<const char*, 3> kTypes = {"view", "rating", "purchase"};
  const std::string id_prefix = "demo-" + std::to_string(options.seed) + "-";
  data->events.reserve(events.size());
  for (const demo::UserEvent& e : events) {
    EventInput in;
    in.user = id_of('u', e.user);
    in.item = data->items[e.item].id;
    in.type = kTypes[e.type];
    in.ts_ms = e.ts * 1000;
    in.weight = e.type == 1 ? static_cast<float>(e.rating) : 1.0f;
    in.id = id_prefix + in.user + "-" + std::to_string(e.seq + 1);
    data->events.push_back(std::move(in));
    (e.type == 0 ? summary->views : e.type == 1 ? summary->ratings : summary->purchases)++;
  }
  summary->items = data->items.size();
  summary->series = c.series_parts.size();
  summary->users = options.users;
  summary->events = data->events.size();
  if (!events.empty()) {
    summary->first_ts_ms = events.front().ts * 1000;
    summary->last_ts_ms = events.back().ts * 1000;
  }
  return Status::ok();
}

namespace {

// Writes `lines` JSON objects to `path` durably (base/durable_file.h), so
// that a failed run or a crash never leaves half a file under the name.
template <typename Fn>
Status write_lines(const fs::path& path, size_t count, Fn&& line) {
  std::unique_ptr<DurableFile> out;
  if (Status s = DurableFile::create(path.string(), &out); !s.is_ok()) return s;
  std::string text;
  for (size_t i = 0; i < count; ++i) {
    text = boost::json::serialize(line(i));
    text += '\n';
    if (Status s = out->append(text); !s.is_ok()) return s;
  }
  return out->commit();
}

}  // namespace

Status write_demo_data(const DemoOptions& options, const std::string& out_dir,
                       DemoSummary* summary) {
  try {
    DemoData data;
    Status st = generate_demo_data(options, &data, summary);
    if (!st.is_ok()) return st;
    std::error_code ec;
    fs::create_directories(out_dir, ec);
    if (ec || !fs::is_directory(out_dir)) {
      return Status::invalid_argument(out_dir + ": cannot create the folder" +
                                      (ec ? ": " + ec.message() : std::string()));
    }
    const fs::path items_path = fs::path(out_dir) / "items.jsonl";
    const fs::path events_path = fs::path(out_dir) / "events.jsonl";
    st = write_lines(items_path, data.items.size(), [&](size_t i) {
      boost::json::object o = encode_item(data.items[i]);
      o.erase("available");  // the default; keeps the file short
      return o;
    });
    if (!st.is_ok()) return st;
    st = write_lines(events_path, data.events.size(), [&](size_t i) {
      const EventInput& e = data.events[i];
      boost::json::object o;
      o["id"] = e.id;
      o["user"] = e.user;
      o["item"] = e.item;
      o["type"] = e.type;
      o["ts"] = *e.ts_ms / 1000;
      // Whole numbers: boost::json would print a double as "4E0".
      if (e.type == "rating") o["weight"] = static_cast<int64_t>(e.weight);
      return o;
    });
    if (!st.is_ok()) return st;
    summary->items_path = items_path.string();
    summary->events_path = events_path.string();
    return Status::ok();
  } catch (const std::exception& e) {  // e.g. out of memory: report, never throw
    return Status::internal(std::string("demo data: ") + e.what());
  }
}

}  // namespace attnrec::service
