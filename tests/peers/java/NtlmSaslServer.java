import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.NameCallback;
import javax.security.auth.callback.PasswordCallback;
import javax.security.sasl.RealmCallback;
import javax.security.sasl.Sasl;
import javax.security.sasl.SaslServer;

/**
 * The JDK's own NTLM acceptor (the SASL "NTLM" server, com.sun.security.ntlm) as a
 * real peer: args user, domain, password [, version: LM, NTLM, NTLM2, LMv2 or NTLMv2].
 * Reads one base64 client token a line; answers "CONTINUE <b64>", "COMPLETE <id>"
 * or "ERROR <message>", one line each.
 */
public class NtlmSaslServer {
  public static void main(String[] a) throws Exception {
    String user = a[0], domain = a[1], pass = a[2];
    Map<String, Object> props = new HashMap<>();
    props.put("com.sun.security.sasl.ntlm.domain", domain);
    if (a.length > 3) props.put("com.sun.security.sasl.ntlm.version", a[3]);
    SaslServer s = Sasl.createSaslServer("NTLM", "HTTP", "localhost", props, callbacks -> {
      String name = null;
      for (Callback cb : callbacks) {
        if (cb instanceof NameCallback) name = ((NameCallback) cb).getDefaultName();
      }
      for (Callback cb : callbacks) {
        if (cb instanceof PasswordCallback && user.equalsIgnoreCase(name)) {
          ((PasswordCallback) cb).setPassword(pass.toCharArray());
        }
        if (cb instanceof RealmCallback) ((RealmCallback) cb).setText(domain);
      }
    });
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    String line;
    while ((line = in.readLine()) != null) {
      String reply;
      try {
        byte[] out = s.evaluateResponse(Base64.getDecoder().decode(line.trim()));
        reply = s.isComplete()
            ? "COMPLETE " + s.getAuthorizationID()
            : "CONTINUE " + Base64.getEncoder().encodeToString(out);
      } catch (Exception e) {
        reply = "ERROR " + e.getMessage();
      }
      System.out.println(reply.replace('\n', ' '));
      System.out.flush();
    }
  }
}
