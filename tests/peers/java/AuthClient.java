import java.io.InputStream;
import java.net.Authenticator;
import java.net.HttpURLConnection;
import java.net.PasswordAuthentication;
import java.net.URL;

/**
 * A GET through Java's own HTTP authentication (HttpURLConnection with an
 * Authenticator): args URL, user, password. Prints the status, then the body.
 */
public class AuthClient {
  public static void main(String[] a) throws Exception {
    String url = a[0], user = a[1], pass = a[2];
    Authenticator.setDefault(new Authenticator() {
      protected PasswordAuthentication getPasswordAuthentication() {
        return new PasswordAuthentication(user, pass.toCharArray());
      }
    });
    HttpURLConnection c = (HttpURLConnection) new URL(url).openConnection();
    int code = c.getResponseCode();
    InputStream in = code < 400 ? c.getInputStream() : c.getErrorStream();
    System.out.println(code);
    System.out.println(in == null ? "" : new String(in.readAllBytes()));
  }
}
