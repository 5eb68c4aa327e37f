/*
 * Winrm4jClient.java: the client matrix's driver for winrm4j
 * (io.cloudsoft.windows:winrm4j, Apache Brooklyn's WinRM client), at the
 * version pom.xml pins; tests/clients/winrm4j.sh runs it.
 *
 *   java Winrm4jClient HOST PORT http|https USER PASSWORD
 *
 * Basic authentication (over HTTPS the daemon's certificate is verified,
 * name included, against the JVM's trust store: winrm4j.sh points
 * javax.net.ssl.trustStore at one holding it): a command and
 * its output (executeCommand), an exit code, and a PowerShell line
 * (executePs).  Prints "ok OPERATION" per operation that passed; exits 1
 * with "FAIL: ..." on the first that did not.
 */
import io.cloudsoft.winrm4j.client.WinRmClientContext;
import io.cloudsoft.winrm4j.winrm.WinRmTool;
import io.cloudsoft.winrm4j.winrm.WinRmToolResponse;

public final class Winrm4jClient {
	private static void fail(String msg) {
		System.err.println("FAIL: " + msg);
		System.exit(1);
	}

	private static String show(WinRmToolResponse r) {
		return "rc " + r.getStatusCode() + ", stdout \"" + r.getStdOut() +
		    "\", stderr \"" + r.getStdErr() + "\"";
	}

	public static void main(String[] args) {
		if (args.length != 5)
			fail("usage: Winrm4jClient HOST PORT http|https USER PASSWORD");
		String user = args[3];
		WinRmClientContext context = WinRmClientContext.newInstance();
		try {
			WinRmTool tool = WinRmTool.Builder.builder(args[0], user, args[4])
			    .port(Integer.parseInt(args[1]))
			    .useHttps("https".equals(args[2]))
			    .authenticationScheme("Basic")
			    .context(context)
			    .build();
			WinRmToolResponse r = tool.executeCommand("id -un");
			if (r.getStatusCode() != 0 || !r.getStdOut().trim().equals(user))
				fail("id -un: " + show(r));
			System.out.println("ok command");
			r = tool.executeCommand("echo to-stderr >&2; exit 3");
			if (r.getStatusCode() != 3 ||
			    !r.getStdErr().trim().equals("to-stderr"))
				fail("exit 3: " + show(r));
			System.out.println("ok exit code");
			r = tool.executePs("Write-Output 'from PowerShell'");
			if (r.getStatusCode() != 0 ||
			    !r.getStdOut().trim().equals("from PowerShell"))
				fail("executePs: " + show(r));
			System.out.println("ok powershell");
		} finally {
			context.shutdown();
		}
	}
}
