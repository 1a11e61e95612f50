// HelloServer PORT: the JDK's own HTTP server (com.sun.net.httpserver) on the
// wildcard address at PORT (the JVM binds "::", dual stack), answering
// "hello from java" with a pool of threads, until the JVM is stopped. If the
// bind fails, the exception goes to stderr and the exit status is 3.
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

public class HelloServer {
    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(args[0]);
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(port), 0);
        } catch (IOException e) {
            System.err.println("HelloServer: " + e);
            System.exit(3);
            return;
        }
        server.createContext("/", exchange -> {
            byte[] body = "hello from java\n".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.start();
        System.out.println("listening on " + server.getAddress());
    }
}
