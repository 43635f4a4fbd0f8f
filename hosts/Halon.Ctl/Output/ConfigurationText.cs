using System.Globalization;
using System.Text.Json;
using Halon.Core.Status;

namespace Halon.Ctl.Output;

/// <summary>A station's configuration (voters, learners, retiring voters, and whether it committed), as text and JSON.</summary>
internal static class ConfigurationText
{
    /// <summary>
    /// One line: <c>voters a,b,c; learners d (match 5 of 7); retiring c; index 12, not committed</c>.
    /// </summary>
    public static string Line(ConfigurationStatus configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var parts = new List<string> { "voters " + string.Join(',', configuration.Voters) };
        if (configuration.Learners.Count > 0)
        {
            parts.Add("learners " + string.Join(", ", configuration.Learners.Select(Learner)));
        }

        if (configuration.Retiring.Count > 0)
        {
            parts.Add("retiring " + string.Join(',', configuration.Retiring));
        }

        parts.Add(string.Create(CultureInfo.InvariantCulture, $"index {configuration.Index}, {(configuration.Committed ? "committed" : "not committed yet")}"));
        return string.Join("; ", parts);
    }

    /// <summary><c>d:9070 (match 5 of 7)</c>, or <c>d:9070 (catching up)</c> off the master, which alone knows.</summary>
    public static string Learner(LearnerStatus learner)
    {
        ArgumentNullException.ThrowIfNull(learner);
        return learner.MatchIndex < 0
            ? $"{learner.Node} (catching up; the master knows how far)"
            : string.Create(CultureInfo.InvariantCulture, $"{learner.Node} (match {learner.MatchIndex} of {learner.CommitIndex})");
    }

    /// <summary>
    /// <c>"name": {"voters": [...], "learners": [{"node", "match_index", "commit_index"}], "retiring": [...],
    /// "index", "committed", "change"}</c>, or <c>"name": null</c>.
    /// </summary>
    public static void WriteJson(Utf8JsonWriter json, string name, ConfigurationStatus? configuration)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (configuration is null)
        {
            json.WriteNull(name);
            return;
        }

        json.WriteStartObject(name);
        JsonText.WriteStrings(json, "voters", configuration.Voters);
        json.WriteStartArray("learners");
        foreach (var learner in configuration.Learners)
        {
            json.WriteStartObject();
            json.WriteString("node", learner.Node);
            json.WriteNumber("match_index", learner.MatchIndex);
            json.WriteNumber("commit_index", learner.CommitIndex);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        JsonText.WriteStrings(json, "retiring", configuration.Retiring);
        json.WriteNumber("index", configuration.Index);
        json.WriteBoolean("committed", configuration.Committed);
        json.WriteString("change", configuration.Change);
        json.WriteEndObject();
    }
}
