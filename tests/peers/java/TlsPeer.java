// A TLS peer on the JDK's own TLS stack (SunJSSE), for the Schannel interop tests.
//   java TlsPeer.java server <port> <keystore.p12> <password> <protocol> [suite]
//     accepts one connection, reads a line, answers it upper-cased, prints the
//     negotiated protocol and suite on stdout.
//   java TlsPeer.java client <port> <truststore.p12> <password> <protocol> <host> [suite]
//     connects to 127.0.0.1:<port> checking the certificate for <host>, sends a line,
//     prints the answer, the protocol and the suite.
//   [suite]: the only cipher suite enabled (JSSE's name), else the JDK's defaults.
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import javax.net.ssl.*;

public class TlsPeer {
  public static void main(String[] a) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = new FileInputStream(a[2])) {
      ks.load(in, a[3].toCharArray());
    }
    SSLContext ctx = SSLContext.getInstance("TLS");
    if (a[0].equals("server")) {
      KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
      kmf.init(ks, a[3].toCharArray());
      ctx.init(kmf.getKeyManagers(), null, null);
      SSLServerSocket ss = (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket(
          Integer.parseInt(a[1]), 1, java.net.InetAddress.getByName("127.0.0.1"));
      ss.setEnabledProtocols(new String[] {a[4]});
      if (a.length > 5) ss.setEnabledCipherSuites(new String[] {a[5]});
      System.out.println("listening");
      System.out.flush();
      try (SSLSocket s = (SSLSocket) ss.accept()) {
        BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
        String line = r.readLine();
        OutputStream o = s.getOutputStream();
        o.write((line.toUpperCase() + "\n").getBytes(StandardCharsets.UTF_8));
        o.flush();
        System.out.println(s.getSession().getProtocol() + " " + s.getSession().getCipherSuite());
      }
    } else {
      TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
      tmf.init(ks);
      ctx.init(null, tmf.getTrustManagers(), null);
      try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", Integer.parseInt(a[1]))) {
        SSLParameters p = s.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS");
        p.setServerNames(java.util.List.of(new SNIHostName(a[5])));
        p.setProtocols(new String[] {a[4]});
        if (a.length > 6) p.setCipherSuites(new String[] {a[6]});
        s.setSSLParameters(p);
        s.startHandshake();
        OutputStream o = s.getOutputStream();
        o.write("hello from java\n".getBytes(StandardCharsets.UTF_8));
        o.flush();
        BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
        System.out.println(r.readLine());
        System.out.println(s.getSession().getProtocol() + " " + s.getSession().getCipherSuite());
      }
    }
  }
}
