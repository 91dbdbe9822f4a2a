// The web console in a real browser: Debian's chromium, headless, loads
// each page from `attnrec serve` on a small demo store with a trained model
// and a finished training job, and the rendered DOM (after the page's
// scripts ran) is checked against what the API says: the user's
// recommendations with their scores, the attention heatmap's cells and
// weights, the training curves, search scores, similar items, the API
// reference. A screenshot of the user page is saved in the test's working
// directory (the build tree): console-user.png.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <signal.h>

#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "api/http_client.h"
#include "child_process.h"
#include "shell.h"
#include "temp_dir.h"

using attnrec::testing::HttpClient;
using attnrec::testing::make_demo_store;
using attnrec::testing::shell;
using attnrec::testing::ServeProcess;
using attnrec::testing::TempDir;
namespace json = boost::json;

namespace {

const std::string kChromium = "chromium --headless --no-sandbox --disable-gpu --disable-background-networking "
                              "--virtual-time-budget=10000 ";

// The page's DOM once its scripts have run.
std::string dom(uint16_t port, const std::string& page) {
  int code = -1;
  const std::string out =
      shell(kChromium + "--dump-dom 'http://127.0.0.1:" + std::to_string(port) + "/" + page + "' 2>/dev/null", &code);
  INFO(page);
  CHECK(code == 0);
  CHECK(out.find("data-ready=\"1\"") != std::string::npos);
  CHECK(out.find("class=\"error\"") == std::string::npos);
  return out;
}

size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

std::string fixed(double x, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, x);
  return buf;
}

// A page in headless chromium driven over the DevTools protocol (a
// websocket): navigate, evaluate JavaScript, as a person would type and
// click. For what --dump-dom cannot do: typing the API key.
class BrowserPage {
 public:
  explicit BrowserPage(const std::string& profile_dir) {
    pid_ = attnrec::testing::spawn("/usr/bin/chromium",
                                   {"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                    "--remote-debugging-port=0", "--user-data-dir=" + profile_dir, "about:blank"},
                                   {}, &out_fd_, &err_fd_, profile_dir + "/chromium.log");
    // Chromium writes the port it took to DevToolsActivePort.
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    std::string port;
    while (port.empty() && std::chrono::steady_clock::now() < until) {
      std::ifstream f(profile_dir + "/DevToolsActivePort");
      std::getline(f, port);
      if (port.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    REQUIRE(!port.empty());
    port_ = static_cast<uint16_t>(std::stoi(port));
    // A new page target, and its websocket.
    HttpClient http({boost::asio::ip::make_address("127.0.0.1"), port_});
    const auto created = http.request("PUT", "/json/new?about:blank");
    REQUIRE(created.result_int() == 200);
    const std::string ws_url(json::parse(created.body()).at("webSocketDebuggerUrl").as_string());
    const std::string path = ws_url.substr(ws_url.find('/', std::string("ws://").size()));
    ws_.next_layer().connect({boost::asio::ip::make_address("127.0.0.1"), port_});
    ws_.handshake("127.0.0.1:" + std::to_string(port_), path);
  }
  ~BrowserPage() {
    boost::system::error_code ec;
    ws_.close(boost::beast::websocket::close_code::normal, ec);
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      attnrec::testing::wait_exit(pid_);
    }
    if (out_fd_ >= 0) close(out_fd_);
  }

  // Sends a DevTools command and returns its result.
  json::value call(const std::string& method, json::object params = {}) {
    const int64_t id = ++next_id_;
    ws_.write(boost::asio::buffer(json::serialize(json::object{{"id", id}, {"method", method}, {"params", params}})));
    for (;;) {
      boost::beast::flat_buffer buf;
      ws_.read(buf);
      const json::value msg = json::parse(boost::beast::buffers_to_string(buf.data()));
      if (msg.as_object().contains("id") && msg.at("id").to_number<int64_t>() == id) {
        INFO(json::serialize(msg));
        REQUIRE(!msg.as_object().contains("error"));
        return msg.at("result");
      }
    }
  }
  // The value of a JavaScript expression (awaited when it is a promise).
  json::value eval(const std::string& expression) {
    const json::value r = call("Runtime.evaluate", {{"expression", expression}, {"awaitPromise", true},
                                                    {"returnByValue", true}});
    return r.at("result").as_object().contains("value") ? r.at("result").at("value") : json::value();
  }
  // Waits until the expression is true (up to 20 s).
  bool wait_for(const std::string& expression) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < until) {
      const json::value v = eval(expression);
      if (v.is_bool() && v.as_bool()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1, err_fd_ = -1;
  uint16_t port_ = 0;
  boost::asio::io_context ioc_;
  boost::beast::websocket::stream<boost::asio::ip::tcp::socket> ws_{ioc_};
  int64_t next_id_ = 0;
};

}  // namespace

TEST_CASE("console: with API keys, the page asks for one and works with the key typed in", "[cli][console]") {
  int code = -1;
  shell("command -v chromium", &code);
  REQUIRE(code == 0);
  TempDir dir;
  const std::string data = dir.sub("var"), bin = ATTNREC_BINARY;
  make_demo_store(bin, data, "--users 100 --items 80");
  const std::string key = "console-read-key-0042";
  ServeProcess server(bin, {"--data-dir", data, "--threads", "2", "--cpu-threads", "1", "--api-keys", key + ":read"},
                      dir.sub("serve.log"));
  REQUIRE(server.port() != 0);
  const std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/#/user/u00010";
  std::filesystem::create_directories(dir.sub("profile"));
  BrowserPage page(dir.sub("profile"));
  page.call("Page.enable");
  page.call("Page.navigate", {{"url", url}});
  // Without a key: the API's 401, said on the page.
  REQUIRE(page.wait_for("document.body.getAttribute('data-ready') === '1'"));
  const std::string refused(page.eval("document.querySelector('.error') ? document.querySelector('.error').textContent : ''")
                                .as_string());
  CHECK(refused.find("401") != std::string::npos);
  CHECK(page.eval("document.querySelectorAll('.heat-cell').length").to_number<int>() == 0);
  // The key typed in the header's field and submitted: the same page renders,
  // and the key is in this tab's sessionStorage, not in localStorage.
  page.eval("document.body.removeAttribute('data-ready'); document.getElementById('key').value = '" + key +
            "'; document.getElementById('key-form').requestSubmit(); true");
  REQUIRE(page.wait_for("document.querySelectorAll('.heat-cell').length > 0"));
  CHECK(page.eval("document.querySelector('.error') === null").as_bool());
  CHECK(std::string(page.eval("document.getElementById('strategy').textContent").as_string()) == "sasrec");
  CHECK(std::string(page.eval("sessionStorage.getItem('attnrec-key')").as_string()) == key);
  CHECK(page.eval("localStorage.length").to_number<int>() == 0);
  server.terminate();
  CHECK(server.exit() == 0);
  CHECK(attnrec::testing::read_text(dir.sub("serve.log")).find(key) == std::string::npos);  // never logged
}

TEST_CASE("console: a real browser renders recommendations, the attention heatmap, training curves and search",
          "[cli][console]") {
  int code = -1;
  shell("command -v chromium", &code);
  {
    INFO("chromium is not installed: scripts/deps.sh installs it");
    REQUIRE(code == 0);
  }

  TempDir dir;
  const std::string data = dir.sub("var"), bin = ATTNREC_BINARY;
  make_demo_store(bin, data, "--users 300 --items 200");
  ServeProcess server(bin, {"--data-dir", data, "--threads", "2", "--cpu-threads", "1", "--train-threads", "1"},
                      dir.sub("serve.log"));
  REQUIRE(server.port() != 0);
  const uint16_t port = server.port();
  HttpClient c({boost::asio::ip::make_address("127.0.0.1"), port});

  // A finished job, for the training page's curves: small (ffn 64) and with
  // minutes to spare, for the sanitizer builds.
  REQUIRE(c.request("POST", "/v1/admin/train", R"({"epochs":3,"ffn":64,"activate":"always"})").result_int() == 202);
  const auto until = std::chrono::steady_clock::now() + std::chrono::minutes(10);
  std::string state;
  while (std::chrono::steady_clock::now() < until) {
    state = std::string(json::parse(c.get("/v1/admin/train/job-1").body()).at("state").as_string());
    if (state != "queued" && state != "running") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE(state == "succeeded");

  {  // the user page: recommendations with scores, and the heatmap of the first one
    const std::string user = "u00010";
    const json::value recs = json::parse(c.get("/v1/users/" + user + "/recommendations?k=10").body());
    REQUIRE(recs.at("strategy") == "sasrec");
    const std::string page = dom(port, "#/user/" + user);
    CHECK(page.find("<strong id=\"strategy\">sasrec</strong>") != std::string::npos);
    const auto& items = recs.at("items").as_array();
    REQUIRE(items.size() == 10);
    for (const auto& r : items) {
      const std::string id(r.at("id").as_string());
      INFO(id);
      CHECK(page.find("data-item=\"" + id + "\"") != std::string::npos);
      CHECK(page.find(">" + fixed(r.at("score").to_number<double>(), 4) + "<") != std::string::npos);
    }
    // The heatmap: one cell per layer, head and history item, each with the
    // explain endpoint's weight.
    const std::string first(items[0].at("id").as_string());
    const json::value ex = json::parse(c.get("/v1/users/" + user + "/explain?item=" + first).body());
    size_t cells = 0;
    for (const auto& layer : ex.at("layers").as_array()) {
      for (const auto& head : layer.at("heads").as_array()) {
        for (const auto& w : head.at("weights").as_array()) {
          ++cells;
          const std::string cell = "data-weight=\"" + fixed(w.at("weight").to_number<double>(), 4) +
                                   "\" data-item=\"" + std::string(w.at("item").as_string()) + "\"";
          CHECK(page.find(cell) != std::string::npos);
        }
      }
    }
    CHECK(cells >= 8);
    CHECK(count(page, "class=\"heat-cell\"") == cells);
    // The column headers are the history items' titles.
    const json::value item = json::parse(c.get("/v1/items/" + std::string(ex.at("layers").at(0).at("heads").at(0)
                                                                               .at("weights").at(0).at("item")
                                                                               .as_string()))
                                             .body());
    CHECK(page.find(std::string(item.at("title").as_string())) != std::string::npos);

    // A screenshot, kept in the build tree.
    const std::string png = std::filesystem::absolute("console-user.png").string();
    std::filesystem::remove(png);
    shell(kChromium + "--window-size=1280,1000 --screenshot=" + png + " 'http://127.0.0.1:" + std::to_string(port) +
            "/#/user/" + user + "' >/dev/null 2>&1",
        &code);
    CHECK(code == 0);
    REQUIRE(std::filesystem::exists(png));
    CHECK(std::filesystem::file_size(png) > 20'000);
  }

  {  // the training page draws the job's loss and validation curves
    const std::string page = dom(port, "#/jobs/job-1");
    CHECK(page.find("<strong id=\"job-state\">succeeded</strong>") != std::string::npos);
    CHECK(count(page, "<polyline class=\"loss\"") == 1);
    CHECK(count(page, "<polyline class=\"valid\"") == 1);
    const json::value job = json::parse(c.get("/v1/admin/train/job-1").body());
    for (const auto& e : job.at("epochs").as_array()) {
      CHECK(page.find(">" + fixed(e.at("loss").to_number<double>(), 4) + "<") != std::string::npos);
    }
  }

  {  // overview, models, search, item and API pages
    const std::string overview = dom(port, "#/");
    CHECK(overview.find("<div class=\"value\">300</div><div class=\"label\">users</div>") != std::string::npos);
    const std::string models = dom(port, "#/models");
    CHECK(models.find("v2 (active)") != std::string::npos);
    CHECK(models.find(">Activate</button>") != std::string::npos);  // for v1: the rollback
    const json::value found = json::parse(c.get("/v1/search?q=star&user=u00010&k=20").body());
    const std::string search = dom(port, "#/search?q=star&user=u00010");
    for (const auto& r : found.at("items").as_array()) {
      CHECK(search.find(">" + fixed(r.at("text_score").to_number<double>(), 3) + "<") != std::string::npos);
      CHECK(search.find(">" + fixed(r.at("personal_score").to_number<double>(), 3) + "<") != std::string::npos);
    }
    const json::value similar = json::parse(c.get("/v1/items/m00008/similar?k=10").body());
    const std::string item = dom(port, "#/item/m00008");
    for (const auto& s : similar.at("items").as_array()) {
      CHECK(item.find("href=\"#/item/" + std::string(s.at("id").as_string()) + "\"") != std::string::npos);
    }
    const std::string reference = dom(port, "#/api");
    CHECK(count(reference, "<div class=\"op\">") == 25);
  }
  server.terminate();
  CHECK(server.exit() == 0);
}
