using System.Globalization;
using System.Text.RegularExpressions;

namespace Halon.Hosts.Tests;

/// <summary>
/// A parsed scrape in the Prometheus text exposition format (0.0.4): every sample with its labels, and the declared
/// type of every metric family. <see cref="Parse"/> rejects a line that is neither a comment nor a valid sample.
/// </summary>
internal sealed partial class PrometheusText
{
    private readonly List<(string Name, Dictionary<string, string> Labels, double Value)> _samples = [];
    private readonly Dictionary<string, string> _types = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, string> Types => _types;

    public int SampleCount => _samples.Count;

    public static PrometheusText Parse(string text)
    {
        var parsed = new PrometheusText();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                continue;
            }

            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                Assert.True(parts.Length == 4, $"bad TYPE line: {line}");
                Assert.Contains(parts[3], new[] { "counter", "gauge", "histogram", "summary", "untyped" });
                parsed._types[parts[2]] = parts[3];
                continue;
            }

            var match = Sample().Match(line);
            Assert.True(match.Success, $"not a sample line of the text format: {line}");
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (Match label in Label().Matches(match.Groups["labels"].Value))
            {
                labels[label.Groups["name"].Value] = label.Groups["value"].Value;
            }

            var value = match.Groups["value"].Value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                var v => double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture),
            };
            parsed._samples.Add((match.Groups["name"].Value, labels, value));
        }

        return parsed;
    }

    /// <summary>The value of the one sample of <paramref name="name"/> whose labels include <paramref name="labels"/> (name=value pairs).</summary>
    public double Value(string name, params string[] labels)
    {
        var found = Find(name, labels).ToList();
        Assert.True(found.Count == 1, $"{found.Count} samples of {name} {{{string.Join(',', labels)}}}");
        return found[0];
    }

    /// <summary>The sum over every sample of <paramref name="name"/> whose labels include <paramref name="labels"/>; 0 when none.</summary>
    public double Sum(string name, params string[] labels) => Find(name, labels).Sum();

    private IEnumerable<double> Find(string name, string[] labels) =>
        _samples.Where(s => s.Name == name && labels.All(l =>
        {
            var pair = l.Split('=', 2);
            return s.Labels.TryGetValue(pair[0], out var value) && value == pair[1];
        })).Select(s => s.Value);

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>([a-zA-Z_][a-zA-Z0-9_]*=""([^""\\]|\\.)*"",?)*)\})? (?<value>[-+]?([0-9.]+([eE][-+]?[0-9]+)?|Inf|NaN))( [0-9]+)?$")]
    private static partial Regex Sample();

    [GeneratedRegex(@"(?<name>[a-zA-Z_][a-zA-Z0-9_]*)=""(?<value>([^""\\]|\\.)*)""")]
    private static partial Regex Label();
}
