using System.Globalization;
using Halon.Core.Protocol;
using Halon.Core.Status;

namespace Halon.Ctl.Membership;

/// <summary>
/// How far a station change has come, judged on the master's configuration: <see cref="Done"/> once the configuration
/// it asked for is committed with no work left; otherwise a line saying what is still under way (a learner catching
/// up, "match M of N"; a promotion or a removal waiting for commit). <see cref="Lost"/> says that the configuration
/// shows no trace of the change although it is not done: an uncommitted entry cut away when the master changed. The
/// request is idempotent, so halonctl simply makes it again.
/// </summary>
internal sealed record ChangeProgress(bool Done, string Line, bool Lost)
{
    public static ChangeProgress Evaluate(MembershipChange change, ConfigurationStatus configuration)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(configuration);
        var settled = configuration.Committed && configuration.Learners.Count == 0 && configuration.Retiring.Count == 0;
        var waiting = string.Create(CultureInfo.InvariantCulture, $"the configuration at index {configuration.Index} waits for commit");
        return change switch
        {
            AddPeer add => Added(add.Node.Value, configuration, settled, waiting),
            RemovePeer remove => Removed(remove.Node.Value, configuration, waiting),
            ReplacePeer replace => Replaced(replace.Old.Value, replace.New.Value, configuration, settled, waiting),
            _ => throw new ArgumentException($"unknown change {change.GetType().Name}", nameof(change)),
        };
    }

    private static ChangeProgress Added(string node, ConfigurationStatus c, bool settled, string waiting)
    {
        if (IsVoter(c, node))
        {
            return settled
                ? new ChangeProgress(true, $"{node} is a voter; voters {Voters(c)}", false)
                : new ChangeProgress(false, $"{node} promoted to voter; {waiting}", false);
        }

        if (LearnerOf(c, node) is { } learner)
        {
            return new ChangeProgress(false, CatchingUp(learner, c), false);
        }

        return new ChangeProgress(false, $"{node} is not in the configuration ({Voters(c)}); asking the master again", true);
    }

    private static ChangeProgress Removed(string node, ConfigurationStatus c, string waiting)
    {
        if (IsVoter(c, node) || LearnerOf(c, node) is not null)
        {
            return c.Retiring.Contains(node, StringComparer.Ordinal)
                ? new ChangeProgress(false, $"{node} retires once its replacement votes: {c.Change}", false)
                : new ChangeProgress(false, $"{node} is still in the configuration ({Voters(c)}); asking the master again", true);
        }

        return c.Committed
            ? new ChangeProgress(true, $"{node} is out of the configuration; voters {Voters(c)}", false)
            : new ChangeProgress(false, $"{node} removed; {waiting}", false);
    }

    private static ChangeProgress Replaced(string old, string node, ConfigurationStatus c, bool settled, string waiting)
    {
        var oldIn = IsVoter(c, old) || LearnerOf(c, old) is not null;
        if (!oldIn && IsVoter(c, node))
        {
            return settled
                ? new ChangeProgress(true, $"{node} replaced {old}; voters {Voters(c)}", false)
                : new ChangeProgress(false, $"{old} removed, {node} votes; {waiting}", false);
        }

        var retiring = c.Retiring.Contains(old, StringComparer.Ordinal);
        if (retiring && LearnerOf(c, node) is { } learner)
        {
            return new ChangeProgress(false, $"{CatchingUp(learner, c)}; {old} retires once it votes", false);
        }

        if (retiring && IsVoter(c, node))
        {
            return new ChangeProgress(false, c.Committed
                ? $"{node} promoted to voter; the master removes {old} once a majority of the rest answers"
                : $"{node} promoted to voter; {waiting}", false);
        }

        return new ChangeProgress(false, $"the configuration ({Voters(c)}) shows no replacement of {old} by {node} under way; asking the master again", true);
    }

    private static string CatchingUp(LearnerStatus learner, ConfigurationStatus c) => learner.MatchIndex < 0
        ? $"learner {learner.Node} is catching up"
        : string.Create(CultureInfo.InvariantCulture, $"learner {learner.Node} catching up: match {learner.MatchIndex} of {learner.CommitIndex}{(c.Committed ? string.Empty : "; its entry waits for commit")}");

    private static bool IsVoter(ConfigurationStatus c, string node) => c.Voters.Contains(node, StringComparer.Ordinal);

    private static LearnerStatus? LearnerOf(ConfigurationStatus c, string node) => c.Learners.FirstOrDefault(l => l.Node == node);

    private static string Voters(ConfigurationStatus c) => string.Join(',', c.Voters);
}
