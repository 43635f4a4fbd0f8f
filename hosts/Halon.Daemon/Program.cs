using Halon.Daemon;
using Halon.Daemon.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using SystemdNotifier = Halon.Daemon.Systemd.SystemdNotifier;

// halond: the Generic Host and one background service that drives the node. systemd is spoken to directly
// (Systemd/SystemdNotifier): READY=1 once the node listens, WATCHDOG=1 from the node's loop, STOPPING=1 at the end.
var settings = DaemonCommandLine.Parse(args, Environment.GetEnvironmentVariable, Console.Out, Console.Error, out var exitCode);
if (settings is null)
{
    return exitCode;
}

using var notifier = SystemdNotifier.FromEnvironment(Environment.GetEnvironmentVariable);
settings = settings with { Notifier = notifier };

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], DisableDefaults = false });
builder.Logging.ClearProviders();
// Under systemd (stdout goes to the journal) each line starts with its syslog priority and text lines carry no time.
var journal = SystemdHelpers.IsSystemdService() || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("JOURNAL_STREAM"));
builder.Logging.AddConsole(options => options.FormatterName = HalonConsoleFormatter.FormatterName);
// Registered directly: AddConsoleFormatter binds its options from configuration by reflection, which native AOT refuses.
builder.Services.AddSingleton<ConsoleFormatter>(new HalonConsoleFormatter(new HalonConsoleFormatterOptions
{
    Format = settings.LogFormat,
    Journal = journal,
    Node = settings.NodeId.Value,
}));

builder.Logging.SetMinimumLevel(settings.LogLevel);
builder.Logging.AddFilter("Microsoft", settings.LogLevel > LogLevel.Warning ? settings.LogLevel : LogLevel.Warning);
// The service logs its own start and loop failures in one line; the host would repeat them with a stack trace.
builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
builder.Services.Configure<ConsoleLifetimeOptions>(options => options.SuppressStatusMessages = true);
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
catch (DaemonStartException e)
{
    return e.ExitCode; // Logged by the service.
}

return exit.Code;
