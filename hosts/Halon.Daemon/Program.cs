using Halon.Daemon;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;

// halond: the Generic Host, systemd integration, and one background service that drives the node.
var settings = DaemonCommandLine.Parse(args, Environment.GetEnvironmentVariable, Console.Out, Console.Error, out var exitCode);
if (settings is null)
{
    return exitCode;
}

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], DisableDefaults = false });
builder.Services.AddSystemd();
builder.Logging.ClearProviders();
if (SystemdHelpers.IsSystemdService())
{
    // One line per entry with a syslog priority prefix; journald records the time itself.
    builder.Logging.AddSystemdConsole();
}
else
{
    builder.Logging.AddSimpleConsole(options =>
    {
        options.SingleLine = true;
        options.UseUtcTimestamp = true;
        options.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
    });
}

builder.Logging.SetMinimumLevel(settings.LogLevel);
builder.Logging.AddFilter("Microsoft", settings.LogLevel > LogLevel.Warning ? settings.LogLevel : LogLevel.Warning);
// The service logs its own start and loop failures in one line; the host would repeat them with a stack trace.
builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
builder.Services.AddSingleton(settings);
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<DaemonExit>();
builder.Services.AddHostedService<HalonService>();

using var host = builder.Build();
var exit = host.Services.GetRequiredService<DaemonExit>();
try
{
    await host.RunAsync().ConfigureAwait(false);
}
catch (DaemonStartException)
{
    return 1; // Logged by the service.
}

return exit.Code;
