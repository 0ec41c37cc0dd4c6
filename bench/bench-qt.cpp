/* bench-qt.cpp: Qt 6 (QSslServer, QSslSocket), written as a Qt program would be
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The server is a QSslServer (Qt 6.4) on the application's event loop with
 * one QSslConfiguration for every connection, work done in readyRead
 * handlers.  The clients block in waitFor*(), except the many client, which
 * runs all its sockets on the event loop.  TLS 1.3, TLS_AES_128_GCM_SHA256
 * and X25519 are pinned through QSslConfiguration (setProtocol, setCiphers,
 * setEllipticCurves), which Qt's OpenSSL backend turns into
 * SSL_CTX_set_ciphersuites and SSL_CTX_set1_groups.
 *
 * Qt names neither the negotiated group nor whether a session was resumed:
 * the client reports the group as pinned, and run-bench asks the raw OpenSSL
 * programs on the other side whether the Qt server and client resume.
 */

extern "C" {
#include "bench-common.h"
}

#include <QCoreApplication>
#include <QFile>
#include <QHostAddress>
#include <QSslCertificate>
#include <QSslCipher>
#include <QSslConfiguration>
#include <QSslEllipticCurve>
#include <QSslKey>
#include <QSslServer>
#include <QSslSocket>

#include <algorithm>
#include <vector>

static BenchOptions opt;
/* Made after QCoreApplication (Qt's TLS backend is a plugin it loads). */
static QSslConfiguration *config;

static QByteArray
text (const QString &s)
{
  return s.toUtf8 ();
}

static void
make_configuration ()
{
  QSslCipher cipher ("TLS_AES_128_GCM_SHA256");
  QSslEllipticCurve curve = QSslEllipticCurve::fromShortName ("X25519");

  if (cipher.isNull () || !curve.isValid ())
    bench_die ("this Qt cannot pin TLS_AES_128_GCM_SHA256 and X25519");
  config = new QSslConfiguration (QSslConfiguration::defaultConfiguration ());
  config->setProtocol (QSsl::TlsV1_3);
  config->setCiphers ({ cipher });
  config->setEllipticCurves ({ curve });
  if (opt.server)
    {
      QList<QSslCertificate> chain = QSslCertificate::fromPath (QString::fromLocal8Bit (opt.cert));
      QFile file (QString::fromLocal8Bit (opt.key));

      if (chain.isEmpty ())
        bench_die ("cannot load the certificate %s", opt.cert);
      if (!file.open (QIODevice::ReadOnly))
        bench_die ("cannot read the key %s", opt.key);
      QSslKey key (&file, QSsl::Ec, QSsl::Pem, QSsl::PrivateKey);
      if (key.isNull ())
        bench_die ("cannot load the key %s", opt.key);
      config->setLocalCertificateChain (chain);
      config->setPrivateKey (key);
      /* Like the other servers: no CertificateRequest. */
      config->setPeerVerifyMode (QSslSocket::VerifyNone);
    }
  else
    {
      QList<QSslCertificate> cas = QSslCertificate::fromPath (QString::fromLocal8Bit (opt.ca));

      if (cas.isEmpty ())
        bench_die ("cannot load the CA %s", opt.ca);
      /* Only the bench CA: setting them turns Qt's on-demand loading of the
       * system store off. */
      config->setCaCertificates (cas);
      config->setPeerVerifyMode (QSslSocket::VerifyPeer);
      /* Full handshakes unless the workload is resumption, which hands each
       * new ticket (newSessionTicketReceived, persistence on) to the next
       * socket through sessionTicket(). */
      config->setSslOption (QSsl::SslOptionDisableSessionSharing, true);
      config->setSslOption (QSsl::SslOptionDisableSessionPersistence, opt.workload != WORKLOAD_RESUMED);
    }
}

static void
report_negotiated (QSslSocket *socket)
{
  bench_result_str ("protocol", socket->sessionProtocol () == QSsl::TlsV1_3 ? "TLSv1.3"
                              : socket->sessionProtocol () == QSsl::TlsV1_2 ? "TLSv1.2" : "other");
  bench_result_str ("cipher", text (socket->sessionCipher ().name ()).constData ());
  /* Qt 6 has no API for the negotiated group. */
  bench_result_str ("group", "X25519 (pinned; Qt names no group)");
}

/* The server */

static int accepted, closed, answered;
static long rss_base, rss_full;
static double cpu_start;
static std::vector<char> buffer, answer;

struct Conn
{
  quint64 received = 0;
  quint64 sent = 0;        // download
  bool    sending = false; // download: the request came
};

/* download: keep about a chunk queued (plaintext and encrypted), topped up
 * as the kernel takes it, so memory stays bounded. */
static void
download_fill (QSslSocket *socket,
               Conn       *conn)
{
  while (conn->sent < opt.bytes &&
         socket->bytesToWrite () + socket->encryptedBytesToWrite () < (qint64) opt.chunk)
    {
      qint64 size = (qint64) std::min<quint64> (opt.bytes - conn->sent, opt.chunk);

      if (socket->write (buffer.data (), size) != size)
        bench_die ("download: write: %s", text (socket->errorString ()).constData ());
      conn->sent += size;
    }
}

static void
on_ready_read (QSslSocket *socket,
               Conn       *conn)
{
  qint64 n;

  switch (opt.workload)
    {
    case WORKLOAD_ECHO:
      while ((n = socket->read (buffer.data (), buffer.size ())) > 0)
        socket->write (buffer.data (), n);
      break;
    case WORKLOAD_BULK:
      while ((n = socket->read (buffer.data (), buffer.size ())) > 0)
        {
          conn->received += n;
          if (conn->received == opt.bytes)
            socket->write ("A", 1);
        }
      break;
    case WORKLOAD_DOWNLOAD:
      while (socket->read (answer.data (), 1) == 1)
        if (!conn->sending)
          {
            conn->sending = true;
            download_fill (socket, conn);
          }
      break;
    case WORKLOAD_MANY:
      while (socket->bytesAvailable () >= (qint64) opt.req_size)
        {
          socket->read (buffer.data (), opt.req_size);
          socket->write (answer.data (), opt.req_size);
        }
      break;
    case WORKLOAD_HANDSHAKES:
    case WORKLOAD_RESUMED:
    case WORKLOAD_IDLE:
    default:
      while (socket->read (buffer.data (), 1) == 1)
        {
          if (opt.workload == WORKLOAD_IDLE)
            {
              answered++;
              if (answered == opt.warmup)
                rss_base = bench_vmrss_kib ();
              if (answered == opt.warmup + opt.count)
                rss_full = bench_vmrss_kib ();
            }
          socket->write ("A", 1);
        }
      break;
    }
}

static void
run_server (QCoreApplication &app)
{
  QSslServer server;

  buffer.resize (opt.workload == WORKLOAD_ECHO ? 16384 : std::max (opt.chunk, opt.req_size));
  answer.assign (opt.req_size, 0);
  rss_base = bench_vmrss_kib ();
  cpu_start = bench_cpu_seconds ();
  server.setSslConfiguration (*config);
  server.setListenBacklogSize (1024);
  /* Every program turns Nagle off before the handshake. */
  QObject::connect (&server, &QSslServer::startedEncryptionHandshake, [] (QSslSocket *socket) {
    socket->setSocketOption (QAbstractSocket::LowDelayOption, 1);
    accepted++;
    if (accepted == (opt.workload == WORKLOAD_BULK || opt.workload == WORKLOAD_DOWNLOAD ||
                     opt.workload == WORKLOAD_MANY ? 1 : opt.warmup + 1))
      cpu_start = bench_cpu_seconds ();
  });
  QObject::connect (&server, &QTcpServer::pendingConnectionAvailable, [&server, &app] () {
    while (QTcpSocket *next = server.nextPendingConnection ())
      {
        QSslSocket *socket = qobject_cast<QSslSocket *> (next);
        Conn *conn = new Conn;

        QObject::connect (socket, &QIODevice::readyRead, [socket, conn] () { on_ready_read (socket, conn); });
        if (opt.workload == WORKLOAD_DOWNLOAD)
          {
            QObject::connect (socket, &QIODevice::bytesWritten, [socket, conn] (qint64) { download_fill (socket, conn); });
            QObject::connect (socket, &QSslSocket::encryptedBytesWritten,
                              [socket, conn] (qint64) { download_fill (socket, conn); });
          }
        QObject::connect (socket, &QAbstractSocket::disconnected, [socket, conn, &app] () {
          delete conn;
          socket->deleteLater ();
          if (++closed == bench_expected_connections (&opt))
            app.quit ();
        });
        /* A close_notify only raises RemoteHostClosedError: Qt keeps the
         * TCP connection until the application closes it, and a peer that
         * waits for the answering close_notify (asyncio) would wait. */
        QObject::connect (socket, &QAbstractSocket::errorOccurred, [socket] (QAbstractSocket::SocketError) {
          socket->disconnectFromHost ();
        });
        if (socket->bytesAvailable () > 0)
          on_ready_read (socket, conn);
      }
  });
  if (!server.listen (QHostAddress (QString::fromLatin1 (opt.host)), opt.port))
    bench_die ("listen: %s", text (server.errorString ()).constData ());
  bench_announce_port (server.serverPort ());
  app.exec ();

  bench_result_begin ();
  bench_result_num ("cpu", bench_cpu_seconds () - cpu_start);
  if (opt.workload == WORKLOAD_IDLE)
    {
      bench_result_num ("rss_base_kib", rss_base);
      bench_result_num ("rss_full_kib", rss_full);
      bench_result_num ("rss_per_conn_kib", (double) (rss_full - rss_base) / opt.count);
    }
  bench_result_end ();
}

/* Blocking clients */

static QByteArray ticket;   /* the newest session ticket, for resumed */

static QSslSocket *
client_connect ()
{
  QSslSocket *socket = new QSslSocket;

  if (opt.workload == WORKLOAD_RESUMED)
    {
      QSslConfiguration with_ticket = *config;

      with_ticket.setSessionTicket (ticket);
      socket->setSslConfiguration (with_ticket);
      QObject::connect (socket, &QSslSocket::newSessionTicketReceived,
                        [socket] () { ticket = socket->sslConfiguration ().sessionTicket (); });
    }
  else
    socket->setSslConfiguration (*config);
  QObject::connect (socket, &QAbstractSocket::connected,
                    [socket] () { socket->setSocketOption (QAbstractSocket::LowDelayOption, 1); });
  socket->connectToHostEncrypted (QString::fromLatin1 (opt.host), opt.port, QString::fromLatin1 (opt.peer_name),
                                  QIODevice::ReadWrite, QAbstractSocket::IPv4Protocol);
  if (!socket->waitForEncrypted (30000))
    bench_die ("handshake: %s", text (socket->errorString ()).constData ());
  return socket;
}

static void
exchange_byte (QSslSocket *socket)
{
  char byte;

  socket->write ("Q", 1);
  while (socket->bytesAvailable () < 1)
    if (!socket->waitForReadyRead (30000))
      bench_die ("answer: %s", text (socket->errorString ()).constData ());
  socket->read (&byte, 1);
}

static void
client_bye (QSslSocket *socket)
{
  socket->disconnectFromHost ();
  if (socket->state () != QAbstractSocket::UnconnectedState)
    socket->waitForDisconnected (30000);
  delete socket;
}

static void
client_bulk ()
{
  QSslSocket *socket = client_connect ();
  std::vector<char> chunk (opt.chunk, 0);
  quint64 sent = 0;
  double start, elapsed;

  start = bench_now ();
  while (sent < opt.bytes)
    {
      qint64 size = (qint64) std::min<quint64> (opt.bytes - sent, opt.chunk);

      if (socket->write (chunk.data (), size) != size)
        bench_die ("write: %s", text (socket->errorString ()).constData ());
      sent += size;
      /* Keep memory bounded: wait for the kernel to take it. */
      while (socket->bytesToWrite () > 0 || socket->encryptedBytesToWrite () > 0)
        if (!socket->waitForBytesWritten (30000))
          bench_die ("write: %s", text (socket->errorString ()).constData ());
    }
  while (socket->bytesAvailable () < 1)
    if (!socket->waitForReadyRead (60000))
      bench_die ("no acknowledgement: %s", text (socket->errorString ()).constData ());
  elapsed = bench_now () - start;
  bench_result_begin ();
  bench_result_num ("mbps", opt.bytes / 1e6 / elapsed);
  bench_result_num ("seconds", elapsed);
  report_negotiated (socket);
  bench_result_end ();
  client_bye (socket);
}

/* Timed from the request to the last byte read. */
static void
client_download ()
{
  QSslSocket *socket = client_connect ();
  std::vector<char> chunk (opt.chunk, 0);
  quint64 got = 0;
  double start, elapsed;

  start = bench_now ();
  socket->write ("D", 1);
  while (got < opt.bytes)
    {
      qint64 n = socket->read (chunk.data (), chunk.size ());

      if (n < 0)
        bench_die ("download: read: %s", text (socket->errorString ()).constData ());
      if (n == 0 && !socket->waitForReadyRead (60000))
        bench_die ("download: short read: %s", text (socket->errorString ()).constData ());
      got += n;
    }
  elapsed = bench_now () - start;
  bench_result_begin ();
  bench_result_num ("mbps", opt.bytes / 1e6 / elapsed);
  bench_result_num ("seconds", elapsed);
  report_negotiated (socket);
  bench_result_end ();
  client_bye (socket);
}

static void
client_handshakes ()
{
  double start = 0, elapsed;

  for (int i = 0; i < opt.warmup + opt.count; i++)
    {
      QSslSocket *socket;

      if (i == opt.warmup)
        start = bench_now ();
      socket = client_connect ();
      exchange_byte (socket);
      client_bye (socket);
    }
  elapsed = bench_now () - start;
  bench_result_begin ();
  bench_result_num ("hps", opt.count / elapsed);
  if (opt.workload == WORKLOAD_RESUMED)
    bench_result_num ("tickets", ticket.isEmpty () ? 0 : 1);
  bench_result_end ();
}

static void
client_idle ()
{
  int total = opt.warmup + opt.count;
  std::vector<QSslSocket *> sockets (total);

  for (int i = 0; i < total; i++)
    {
      sockets[i] = client_connect ();
      exchange_byte (sockets[i]);
    }
  for (int i = 0; i < total; i++)
    client_bye (sockets[i]);
  bench_result_begin ();
  bench_result_num ("connections", total);
  bench_result_end ();
}

/* The many client: all sockets on the event loop. */

struct Client
{
  QSslSocket *socket = nullptr;
  double      started = 0;
};

static void
client_many (QCoreApplication &app)
{
  std::vector<Client> clients (opt.clients);
  BenchSamples samples = {};
  int ready = 0;
  bool running = false, finished = false;
  double many_start = 0, many_end = 0, elapsed;
  long requests = 0;

  buffer.resize (opt.req_size);
  answer.assign (opt.req_size, 0);
  auto send = [] (Client *client) {
    client->started = bench_now ();
    client->socket->write (answer.data (), opt.req_size);
  };
  for (Client &c : clients)
    {
      Client *client = &c;
      QSslSocket *socket = new QSslSocket;

      client->socket = socket;
      socket->setSslConfiguration (*config);
      QObject::connect (socket, &QAbstractSocket::connected,
                        [socket] () { socket->setSocketOption (QAbstractSocket::LowDelayOption, 1); });
      QObject::connect (socket, &QSslSocket::encrypted, [&] () {
        if (++ready < opt.clients)
          return;
        many_start = bench_now ();
        many_end = many_start + opt.seconds;
        running = true;
        for (Client &each : clients)
          send (&each);
      });
      QObject::connect (socket, &QIODevice::readyRead, [&, client] () {
        while (running && client->socket->bytesAvailable () >= (qint64) opt.req_size)
          {
            double now;

            client->socket->read (buffer.data (), opt.req_size);
            now = bench_now ();
            bench_samples_add (&samples, now - client->started);
            requests++;
            if (now >= many_end)
              {
                running = false;
                finished = true;
                app.quit ();
                return;
              }
            send (client);
          }
      });
      QObject::connect (socket, &QAbstractSocket::errorOccurred, [&, client] () {
        if (!finished)
          bench_die ("many: %s", text (client->socket->errorString ()).constData ());
      });
      socket->connectToHostEncrypted (QString::fromLatin1 (opt.host), opt.port, QString::fromLatin1 (opt.peer_name),
                                      QIODevice::ReadWrite, QAbstractSocket::IPv4Protocol);
    }
  app.exec ();
  elapsed = bench_now () - many_start;
  bench_result_begin ();
  bench_result_num ("rps", requests / elapsed);
  bench_result_num ("requests", requests);
  bench_result_num ("p50_ms", bench_samples_percentile (&samples, 50) * 1e3);
  bench_result_num ("p99_ms", bench_samples_percentile (&samples, 99) * 1e3);
  report_negotiated (clients[0].socket);
  bench_result_end ();
  for (Client &c : clients)
    {
      c.socket->disconnect ();
      client_bye (c.socket);
    }
  free (samples.values);
}

int
main (int   argc,
      char *argv[])
{
  bench_parse_options (&opt, argc, argv, "bench-qt");
  bench_raise_fd_limit ();
  if (opt.role == ROLE_ATTACKER || opt.workload == WORKLOAD_SCALING || opt.workload == WORKLOAD_LATENCY)
    bench_die ("the load clients and the attacker are bench-openssl's");
  if (opt.workers > 0)
    bench_die ("--workers: only bench-openssl and bench-qssl");

  QCoreApplication app (argc, argv);

  if (!QSslSocket::supportsSsl ())
    bench_die ("Qt has no TLS backend (the OpenSSL plugin of qt6-base)");
  make_configuration ();
  if (opt.server)
    run_server (app);
  else
    switch (opt.workload)
      {
      case WORKLOAD_BULK: client_bulk (); break;
      case WORKLOAD_DOWNLOAD: client_download (); break;
      case WORKLOAD_HANDSHAKES:
      case WORKLOAD_RESUMED: client_handshakes (); break;
      case WORKLOAD_IDLE: client_idle (); break;
      case WORKLOAD_MANY: client_many (app); break;
      default: break;
      }
  return 0;
}
