using System.Text.Json;
using Halon.Core;

namespace Halon.Ctl.Output;

/// <summary>A station's timing in JSON: the profile's name and every value in milliseconds, with the lease it gives.</summary>
internal static class TimingJson
{
    public static void Write(Utf8JsonWriter json, string name, StationTiming timing)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(timing);
        json.WriteStartObject(name);
        json.WriteString("name", timing.Name);
        json.WriteNumber("heartbeat_ms", Ticks.ToMilliseconds(timing.HeartbeatIntervalTicks));
        json.WriteNumber("election_timeout_ms", Ticks.ToMilliseconds(timing.ElectionTimeoutTicks));
        json.WriteNumber("lease_ms", Ticks.ToMilliseconds(timing.LeaseTicks));
        json.WriteNumber("clock_drift_factor", timing.ClockDriftFactor);
        json.WriteEndObject();
    }
}
