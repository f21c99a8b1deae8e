#pragma once

// An HTTP server on 127.0.0.1, for tests that must prove what reaches the network: it counts
// every request and serves the files it was given (HEAD, GET and byte ranges, as GDAL's
// /vsicurl/ asks for them); anything else is 404. One thread, one connection at a time.
#include <QByteArray>
#include <QHash>
#include <QList>
#include <QString>
#include <arpa/inet.h>
#include <atomic>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace segstudio::test {

class HttpTestServer {
public:
    // `files`: URL path (e.g. "/small.tif") to content.
    explicit HttpTestServer(QHash<QString, QByteArray> files = {})
        : m_files(std::move(files)) {
        m_socket = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(m_socket, reinterpret_cast<sockaddr*>(&address), sizeof address);
        ::listen(m_socket, 16);
        socklen_t length = sizeof address;
        ::getsockname(m_socket, reinterpret_cast<sockaddr*>(&address), &length);
        m_port = ntohs(address.sin_port);
        m_thread = std::thread([this] { serve(); });
    }
    ~HttpTestServer() {
        m_stopping = true;
        ::shutdown(m_socket, SHUT_RDWR);
        ::close(m_socket);
        m_thread.join();
    }
    HttpTestServer(const HttpTestServer&) = delete;
    HttpTestServer& operator=(const HttpTestServer&) = delete;

    QString url(const QString& path) const {
        return QStringLiteral("http://127.0.0.1:%1%2").arg(m_port).arg(path);
    }
    int requests() const { return m_requests.load(); }

private:
    void serve() {
        for (;;) {
            const int client = ::accept(m_socket, nullptr, nullptr);
            if (client < 0 || m_stopping)
                return;
            // One request, then the connection is closed (the reply says so).
            QByteArray pending;
            char buffer[8192];
            for (;;) {
                const int end = pending.indexOf("\r\n\r\n");
                if (end < 0) {
                    const ssize_t got = ::recv(client, buffer, sizeof buffer, 0);
                    if (got <= 0)
                        break;
                    pending.append(buffer, qsizetype(got));
                    continue;
                }
                const QByteArray head = pending.left(end);
                pending.remove(0, end + 4);
                ++m_requests;
                answer(client, head);
                break; // one request per connection: a client never waits on a kept-alive one
            }
            ::close(client);
        }
    }

    void answer(int client, const QByteArray& head) {
        const QList<QByteArray> lines = head.split('\n');
        const QList<QByteArray> request = lines.value(0).trimmed().split(' ');
        const QByteArray method = request.value(0);
        const QString path = QString::fromLatin1(request.value(1));
        QByteArray reply;
        if (!m_files.contains(path)) {
            reply = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        } else {
            const QByteArray& content = m_files[path];
            qint64 first = 0, last = content.size() - 1;
            bool ranged = false;
            for (const QByteArray& line : lines) {
                const QByteArray header = line.trimmed();
                if (header.toLower().startsWith("range: bytes=")) {
                    const QList<QByteArray> bounds = header.mid(13).split('-');
                    first = bounds.value(0).toLongLong();
                    if (!bounds.value(1).isEmpty())
                        last = std::min<qint64>(last, bounds.value(1).toLongLong());
                    ranged = true;
                }
            }
            const QByteArray body = content.mid(first, std::max<qint64>(0, last - first + 1));
            reply = (ranged ? QByteArray("HTTP/1.1 206 Partial Content\r\n")
                            : QByteArray("HTTP/1.1 200 OK\r\n")) +
                    "Accept-Ranges: bytes\r\nConnection: close\r\nContent-Length: " +
                    QByteArray::number(method == "HEAD" ? content.size() : body.size()) + "\r\n";
            if (ranged)
                reply += "Content-Range: bytes " + QByteArray::number(first) + '-' +
                         QByteArray::number(last) + '/' + QByteArray::number(content.size()) + "\r\n";
            reply += "\r\n";
            if (method != "HEAD")
                reply += body;
        }
        for (qsizetype sent = 0; sent < reply.size();) {
            const ssize_t n =
                ::send(client, reply.constData() + sent, size_t(reply.size() - sent), MSG_NOSIGNAL);
            if (n <= 0)
                return;
            sent += n;
        }
    }

    QHash<QString, QByteArray> m_files;
    int m_socket = -1;
    int m_port = 0;
    std::atomic<int> m_requests{0};
    std::atomic<bool> m_stopping{false};
    std::thread m_thread;
};

} // namespace segstudio::test
