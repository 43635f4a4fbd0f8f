using System.Globalization;
using System.Net;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;

namespace Halon.Daemon.Metrics;

/// <summary>
/// The opt-in scrape endpoint (<c>--metrics-listen HOST:PORT</c>): OpenTelemetry's meter provider reads the
/// <see cref="DaemonMetrics.MeterName"/> meter and its Prometheus exporter serves the text format at
/// <c>http://HOST:PORT/metrics</c> from its own HttpListener thread, never from the node's loop.
/// </summary>
internal sealed class MetricsEndpoint : IDisposable
{
    private readonly MeterProvider _provider;

    private MetricsEndpoint(MeterProvider provider, string url)
    {
        _provider = provider;
        Url = url;
    }

    /// <summary>Where to scrape.</summary>
    public string Url { get; }

    /// <summary>Starts serving at <paramref name="listen"/>. Throws <see cref="DaemonStartException"/> when it cannot listen there.</summary>
    public static MetricsEndpoint Start(IPEndPoint listen)
    {
        ArgumentNullException.ThrowIfNull(listen);
        var wildcard = listen.Address.Equals(IPAddress.Any) || listen.Address.Equals(IPAddress.IPv6Any);
        var host = wildcard ? "+" : listen.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{listen.Address}]" : listen.Address.ToString();
        var port = listen.Port.ToString(CultureInfo.InvariantCulture);
        try
        {
            var provider = Sdk.CreateMeterProviderBuilder()
                .AddMeter(DaemonMetrics.MeterName)
                .AddPrometheusHttpListener(options =>
                {
                    options.ScrapeEndpointPath = "/metrics";
                    options.ScopeInfoEnabled = false;
                    options.TargetInfoEnabled = false;
                    options.ScrapeResponseCacheDurationMilliseconds = 0;
                    options.ConfigureHttpListener = (_, listener) =>
                    {
                        listener.Prefixes.Clear();
                        listener.Prefixes.Add($"http://{host}:{port}/metrics/");
                    };
                })
                .Build();
            return new MetricsEndpoint(provider, $"http://{(wildcard ? "0.0.0.0" : host)}:{port}/metrics");
        }
        catch (Exception e) when (e is HttpListenerException or InvalidOperationException or System.Net.Sockets.SocketException)
        {
            var cause = e.InnerException is { } inner ? $" ({inner.Message})" : string.Empty;
            throw new DaemonStartException($"cannot serve metrics on {listen}: {e.Message}{cause}; give --metrics-listen a free address", e);
        }
    }

    public void Dispose() => _provider.Dispose();
}
