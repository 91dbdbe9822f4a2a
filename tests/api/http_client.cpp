#include "http_client.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

namespace attnrec::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

HttpClient::HttpClient(asio::ip::tcp::endpoint endpoint, std::chrono::milliseconds timeout)
    : stream_(ioc_), timeout_(timeout) {
  stream_.connect(endpoint);
}

Response HttpClient::request(std::string_view method, std::string_view target, std::string body,
                             const Headers& headers) {
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, "localhost");
  bool has_type = false;
  for (const auto& [name, value] : headers) {
    req.set(name, value);
    if (beast::iequals(name, "Content-Type")) has_type = true;
  }
  if (!body.empty() && !has_type) req.set(http::field::content_type, "application/json");
  req.body() = std::move(body);
  req.prepare_payload();
  http::write(stream_.socket(), req);
  return read();
}

void HttpClient::write(std::string_view bytes) {
  asio::write(stream_.socket(), asio::buffer(bytes.data(), bytes.size()));
}

Response HttpClient::raw(std::string_view bytes) {
  write(bytes);
  return read();
}

Response HttpClient::read() {
  // Synchronous reads ignore tcp_stream timeouts; a socket option bounds them.
  const auto ms = static_cast<int>(timeout_.count());
  struct timeval tv{ms / 1000, (ms % 1000) * 1000};
  setsockopt(stream_.socket().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  Response res;
  http::read(stream_.socket(), buffer_, res);
  return res;
}

bool HttpClient::closed_by_peer() {
  char byte;
  beast::error_code ec;
  const auto ms = static_cast<int>(timeout_.count());
  struct timeval tv{ms / 1000, (ms % 1000) * 1000};
  setsockopt(stream_.socket().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (buffer_.size() > 0) return false;
  stream_.socket().read_some(asio::buffer(&byte, 1), ec);
  return ec == asio::error::eof || ec == asio::error::connection_reset;
}

}  // namespace attnrec::testing
