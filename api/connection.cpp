#include "api/connection.h"

#include <memory>
#include <utility>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/write.hpp>

#include "api/request.h"
#include "api/responses.h"

namespace attnrec::api {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

void close_stream(beast::tcp_stream& stream) {
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  stream.close();
}

namespace {

// One refused connection: the answer, then the drain.
class Refusal : public std::enable_shared_from_this<Refusal> {
 public:
  Refusal(tcp::socket&& socket, std::atomic<size_t>& refusing)
      : stream_(std::move(socket)), refusing_(refusing) {
    ++refusing_;
  }
  ~Refusal() { --refusing_; }

  void run(size_t max_connections, std::string request_id) {
    res_ = error_response(http::status::service_unavailable, "too_many_connections",
                          "the server has " + std::to_string(max_connections) +
                              " connections open, its limit; retry shortly");
    res_.set(http::field::retry_after, "1");
    res_.set(http::field::server, "attnrec");
    res_.set("X-Request-Id", request_id);  // every answer has one, this one too
    res_.keep_alive(false);
    res_.prepare_payload();
    stream_.expires_after(kDrainTime);  // the write and the drain together
    http::async_write(stream_, res_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return close_stream(self->stream_);
      beast::error_code sec;
      self->stream_.socket().shutdown(tcp::socket::shutdown_send, sec);
      self->do_drain();
    });
  }

 private:
  void do_drain() {
    stream_.async_read_some(buffer_.prepare(kFirstRead),
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                              self->buffer_.clear();
                              if (ec) return close_stream(self->stream_);
                              self->do_drain();
                            });
  }

  beast::tcp_stream stream_;
  std::atomic<size_t>& refusing_;
  beast::flat_buffer buffer_;
  HttpResponse res_;
};

}  // namespace

void refuse_connection(tcp::socket socket, size_t max_connections, std::string request_id,
                       std::atomic<size_t>& refusing) {
  std::make_shared<Refusal>(std::move(socket), refusing)->run(max_connections, std::move(request_id));
}

}  // namespace attnrec::api
