using System.Globalization;
using System.Text;
using Halon.Core.Status;
using Halon.Ctl.Bootstrap;

namespace Halon.Ctl.Output;

/// <summary><c>halonctl status</c> for people: the node's own fields, then its peers and satellites as tables.</summary>
internal static class StatusText
{
    public static string Write(NodeStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        var fields = new TextTable("FIELD", "VALUE");
        fields.Add("node", status.Node);
        fields.Add("role", status.Role);
        if (status.Role == "station")
        {
            fields.Add("cluster", status.ClusterId ?? "-");
            if (status.Timing is { } timing)
            {
                fields.Add("timing", Addressing.TimingOption.Describe(timing));
            }

            fields.Add("state", status.State);
            if (status.LeftStation)
            {
                fields.Add("left", "this node LEFT THE STATION: a committed configuration leaves it out, so its supervisor stays stopped; to make it a peer again: halonctl station add " + status.Node);
            }

            fields.Add("term", status.Term.ToString(CultureInfo.InvariantCulture));
            fields.Add("leader", status.Leader ?? "-");
            fields.Add("coordinator", status.Coordinator is { } c ? $"{c.Node} (epoch {c.Epoch})" : "-");
            if (status.Configuration is { } configuration)
            {
                fields.Add("voters", string.Join(',', configuration.Voters));
                if (configuration.Learners.Count > 0)
                {
                    fields.Add("learners", string.Join(", ", configuration.Learners.Select(ConfigurationText.Learner)));
                }

                if (configuration.Retiring.Count > 0)
                {
                    fields.Add("retiring", string.Join(',', configuration.Retiring) + " (removed once the new peer votes)");
                }

                fields.Add("config", string.Create(CultureInfo.InvariantCulture, $"index {configuration.Index}{(configuration.Index == 0 ? " (as bootstrapped)" : string.Empty)}, {(configuration.Committed ? "committed" : "not committed yet")}"));
                if (configuration.Change.Length > 0)
                {
                    fields.Add("change", configuration.Change);
                }
            }

            fields.Add("log", status.SnapshotIndex > 0
                ? $"committed {status.CommitIndex} of {status.LastLogIndex} entries; snapshot at {status.SnapshotIndex}, {status.LogEntries} entries after it"
                : $"committed {status.CommitIndex} of {status.LastLogIndex} entries");
            if (status.RemovedSatellites > 0)
            {
                fields.Add("removed", $"{status.RemovedSatellites.ToString(CultureInfo.InvariantCulture)} satellites (refused until bootstrapped again)");
            }
        }
        else if (status.Role == "none")
        {
            fields.Add("state", "listen mode: no role yet (give it one with halonctl bootstrap station or satellite)");
        }
        else
        {
            fields.Add("cluster", status.ClusterId ?? "-");
        }

        if (status.Announcer is { } announcer)
        {
            fields.Add("station", announcer.Station);
            if (StationCheck.Mismatch(status.Node, announcer) is { } mismatch)
            {
                fields.Add("station check", "WRONG STATION LIST: " + mismatch);
                fields.Add("to fix", StationCheck.Fix);
            }

            fields.Add("incarnation", announcer.Incarnation.ToString(CultureInfo.InvariantCulture));
            if (announcer.Removed)
            {
                fields.Add("acknowledged", "no: REMOVED from the station" + (announcer.RemovedBy is { } by ? $" (told by {by}, epoch {announcer.RemovedEpoch})" : string.Empty));
                fields.Add("to rejoin", "it announces no more; bootstrap it again (halonctl bootstrap satellite), which gives it a new installation id");
            }
            else
            {
                fields.Add("acknowledged", announcer.Acknowledged
                    ? $"yes, by {announcer.AcknowledgedBy ?? "?"} (epoch {announcer.Epoch})"
                    : $"not yet ({announcer.AnnouncementsSent} announcements sent)");
            }
        }

        if (status.Role == "station" && status.State == "waiting-for-quorum")
        {
            var reachable = status.Peers.Count(p => p.Reachable);
            fields.Add("waiting", $"quorum {reachable}/{status.Peers.Count}, need {Halon.Core.Quorum.MajorityOf(status.Peers.Count)}: {Ticks.InTime(status.MissingSummary())}");
        }

        var text = new StringBuilder();
        // The FIELD/VALUE header adds nothing for a list of named fields; drop it.
        text.Append(string.Join('\n', fields.Render().Split('\n').Skip(1)));
        if (status.Peers.Count > 0)
        {
            var peers = new TextTable("PEER", "REACHABLE", "STATE", "LAST HEARD");
            foreach (var peer in status.Peers)
            {
                var self = peer.Node == status.Node;
                peers.Add(peer.Node + (self ? " (this node)" : string.Empty), peer.Reachable ? "yes" : "no", Ticks.InTime(peer.State), LastHeard(self, peer.LastHeardTicksAgo));
            }

            text.Append("\n\n").Append(peers.Render());
        }

        if (status.Role == "station")
        {
            text.Append("\n\n");
            if (status.Satellites.Count == 0)
            {
                text.Append("no satellites yet");
            }
            else
            {
                var satellites = new TextTable("SATELLITE", "ACKNOWLEDGED", "INCARNATION", "HOSTNAME");
                foreach (var satellite in status.Satellites)
                {
                    satellites.Add(
                        satellite.Node,
                        satellite.Removed ? "removed" : satellite.Acknowledged ? "yes" : "pending",
                        satellite.Removed ? "-" : satellite.Incarnation.ToString(CultureInfo.InvariantCulture),
                        satellite.Hostname.Length == 0 ? "-" : satellite.Hostname);
                }

                text.Append(satellites.Render());
            }
        }

        return text.ToString();
    }

    private static string LastHeard(bool self, long ticksAgo) =>
        self ? "-" : ticksAgo < 0 ? "never" : Ticks.Format(ticksAgo) + " ago";
}
