using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Halon.Core.Identity;
using Halon.Transport.Tcp.Handshake;

namespace Halon.Transport.Tcp.Security;

/// <summary>
/// The TLS 1.3 part of a TLS-mode handshake, through <see cref="SslStream"/>: both sides present a certificate, and
/// each accepts the other's only if it chains to a CA of its CA file, for the right key usage (the listener's for
/// serverAuth, the dialler's for clientAuth). No revocation lists are fetched: to revoke, roll the CA. Whether the
/// certificate names the node id the other side claims is checked afterwards, when that id is known.
/// </summary>
internal static class TlsHandshake
{
    /// <summary>Runs the dialler's side over <paramref name="inner"/>, which stays open when the TLS stream is disposed.</summary>
    public static async Task<Session> ClientAsync(Stream inner, NodeId target, TlsCredentials credentials, CancellationToken cancellationToken)
    {
        var check = new RemoteCheck(credentials, "the node");
        var stream = new SslStream(inner, leaveInnerStreamOpen: true);
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = target.Host.StartsWith('[') && target.Host.EndsWith(']') ? target.Host[1..^1] : target.Host,
            ClientCertificateContext = credentials.Context,
            EnabledSslProtocols = SslProtocols.Tls13,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            CertificateChainPolicy = credentials.ChainPolicy(TlsCredentials.ServerAuthentication),
            RemoteCertificateValidationCallback = check.Validate,
        };
        return await AuthenticateAsync(stream, check, () => stream.AuthenticateAsClientAsync(options, cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Runs the listener's side over <paramref name="inner"/>, which stays open when the TLS stream is disposed.</summary>
    public static async Task<Session> ServerAsync(Stream inner, TlsCredentials credentials, CancellationToken cancellationToken)
    {
        var check = new RemoteCheck(credentials, "the dialler");
        var stream = new SslStream(inner, leaveInnerStreamOpen: true);
        var options = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = credentials.Context,
            ClientCertificateRequired = true,
            EnabledSslProtocols = SslProtocols.Tls13,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            CertificateChainPolicy = credentials.ChainPolicy(TlsCredentials.ClientAuthentication),
            RemoteCertificateValidationCallback = check.Validate,
        };
        return await AuthenticateAsync(stream, check, () => stream.AuthenticateAsServerAsync(options, cancellationToken)).ConfigureAwait(false);
    }

    private static async Task<Session> AuthenticateAsync(SslStream stream, RemoteCheck check, Func<Task> authenticate)
    {
        try
        {
            await authenticate().ConfigureAwait(false);
            if (check.Certificate is null || check.AuthorityId is null)
            {
                throw new HandshakeException(HandshakeFailure.AuthenticationFailed, "the TLS session has no verified certificate");
            }

            return new Session(stream, check.Certificate, check.AuthorityId);
        }
        catch (AuthenticationException e)
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw new HandshakeException(HandshakeFailure.AuthenticationFailed, check.Problem ?? Describe(e));
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The other side's refusal, as far as TLS tells it: an alert about this side's certificate, usually.</summary>
    private static string Describe(AuthenticationException e)
    {
        var innermost = e.GetBaseException().Message;
        return innermost.Contains("alert", StringComparison.OrdinalIgnoreCase)
            ? $"the other side refused this side's certificate ({innermost}); check that both use certificates of the same CA (--tls-ca)"
            : $"TLS handshake failed: {innermost}";
    }

    /// <summary>A TLS session: the stream, the other side's certificate, and the id of the CA it chains to.</summary>
    internal sealed record Session(SslStream Stream, X509Certificate2 Certificate, string AuthorityId);

    /// <summary>The validation callback and what it found.</summary>
    private sealed class RemoteCheck(TlsCredentials credentials, string side)
    {
        public X509Certificate2? Certificate { get; private set; }

        public string? AuthorityId { get; private set; }

        public string? Problem { get; private set; }

        public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
        {
            // The name is checked against the node id the other side claims, once the handshake has told it.
            errors &= ~SslPolicyErrors.RemoteCertificateNameMismatch;
            if (certificate is not X509Certificate2 remote || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
            {
                Problem = $"{side} sent no certificate";
                return false;
            }

            if (errors != SslPolicyErrors.None || chain is null || chain.ChainElements.Count == 0)
            {
                var why = chain is null ? errors.ToString() : TlsCredentials.DescribeChain(chain);
                Problem = $"the certificate of {side} ({remote.Subject}) does not verify against the CAs of this side ({string.Join(", ", credentials.AuthorityIds)}): {why}";
                return false;
            }

            Certificate = remote;
            AuthorityId = TlsCredentials.AuthorityId(chain.ChainElements[^1].Certificate);
            return true;
        }
    }
}
