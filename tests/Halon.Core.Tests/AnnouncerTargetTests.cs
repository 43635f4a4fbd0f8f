using Halon.Core.Effects;
using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Core.Protocol;
using static Halon.Core.Tests.NodeDriver;

namespace Halon.Core.Tests;

/// <summary>
/// The announcer's target: a satellite keeps announcing to the master the station named while that master may hold
/// its entry pending (a pending entry gets no answer), goes round the peers after three unanswered announcements, and
/// switches at once when a redirect names another master. Each test drives s1, a satellite of p1,p2,p3, by hand.
/// </summary>
public sealed class AnnouncerTargetTests
{
    private static HalonNode Satellite()
    {
        var node = Fresh(S1);
        Assert.True(node.BecomeSatellite(Station).Succeeded);
        node.Advance();
        return node;
    }

    /// <summary>Ticks to the satellite's next announcement and returns it, with the tick it left at.</summary>
    private static (NodeId To, long At) NextAnnouncement(HalonNode node)
    {
        TickUntil(node, () => node.HasReady, 100);
        var up = Assert.IsType<NodeUp>(Assert.Single(Take(node).Messages));
        return (up.To, node.Now);
    }

    private static NodeId[] NextAnnouncements(HalonNode node, int count) =>
        Enumerable.Range(0, count).Select(_ => NextAnnouncement(node).To).ToArray();

    [Fact]
    public void A_satellite_keeps_announcing_to_a_silent_master_three_times_then_goes_round_the_other_peers()
    {
        var node = Satellite();
        Assert.True(node.Step(new NodeUpRedirect(P2, S1, P3, 1, Station)).Accepted);

        var announcements = Enumerable.Range(0, 7).Select(_ => NextAnnouncement(node)).ToArray();

        Assert.Equal([P3, P3, P3], announcements[..3].Select(a => a.To));
        // Then the peers in turn, passing over the master that went unanswered.
        var round = announcements[3..].Select(a => a.To).ToArray();
        Assert.DoesNotContain(P3, round);
        Assert.Equal(round[0], round[2]);
        Assert.Equal(round[1], round[3]);
        Assert.NotEqual(round[0], round[1]);
        // The back-off is the announcer's own: it starts again for the named master, then doubles as before.
        var gaps = announcements.Zip(announcements.Skip(1), (a, b) => b.At - a.At).ToArray();
        Assert.InRange(gaps[0], 2, 3);
        Assert.InRange(gaps[1], 4, 6);
        Assert.InRange(gaps[2], 8, 12);
        Assert.InRange(gaps[3], 16, 24);
        Assert.InRange(gaps[4], 32, 48);
        Assert.InRange(gaps[5], 32, 48);
    }

    [Fact]
    public void A_peer_that_still_names_the_unanswered_master_earns_it_one_more_announcement_without_haste()
    {
        var node = Satellite();
        Assert.True(node.Step(new NodeUpRedirect(P2, S1, P3, 1, Station)).Accepted);
        Assert.Equal([P3, P3, P3], NextAnnouncements(node, 3));
        var (roundTo, _) = NextAnnouncement(node);
        Assert.NotEqual(P3, roundTo);

        var before = node.TicksUntilNextTimer;
        Assert.True(node.Step(new NodeUpRedirect(roundTo, S1, P3, 1, Station)).Accepted);

        // Nothing new was learnt: the back-off goes on, and the master gets one announcement before the next peer.
        Assert.Equal(before, node.TicksUntilNextTimer);
        Assert.Equal(P3, NextAnnouncement(node).To);
        var (nextRoundTo, _) = NextAnnouncement(node);
        Assert.NotEqual(P3, nextRoundTo);
        Assert.NotEqual(roundTo, nextRoundTo);

        // A confirmation while the master still has announcements left does not add to them.
        Assert.True(node.Step(new NodeUpRedirect(P3, S1, P3, 1, Station)).Accepted);
        Assert.Equal(P3, NextAnnouncement(node).To);
        Assert.True(node.Step(new NodeUpRedirect(P1, S1, P3, 1, Station)).Accepted);
        Assert.Equal([P3, P3], NextAnnouncements(node, 2));
        Assert.NotEqual(P3, NextAnnouncement(node).To);
    }

    [Fact]
    public void The_master_saying_not_ready_keeps_the_satellite_on_it_with_its_back_off()
    {
        var node = Satellite();
        var before = node.TicksUntilNextTimer;
        Assert.True(node.Step(new NodeUpRedirect(P3, S1, P3, 1, Station)).Accepted);
        Assert.Equal(before, node.TicksUntilNextTimer);
        Assert.Equal([P3, P3], NextAnnouncements(node, 2));

        // An answer from the master: its count of unanswered announcements starts again.
        before = node.TicksUntilNextTimer;
        Assert.True(node.Step(new NodeUpRedirect(P3, S1, P3, 1, Station)).Accepted);
        Assert.Equal(before, node.TicksUntilNextTimer);
        Assert.Equal([P3, P3, P3], NextAnnouncements(node, 3));
        Assert.NotEqual(P3, NextAnnouncement(node).To);
    }

    [Fact]
    public void A_redirect_naming_another_master_switches_the_target_at_once()
    {
        var node = Satellite();
        Assert.True(node.Step(new NodeUpRedirect(P2, S1, P3, 1, Station)).Accepted);
        Assert.Equal([P3, P3], NextAnnouncements(node, 2));

        // p3 lost its term to p1: the next announcement goes to p1 on the next tick, with the back-off reset.
        Assert.True(node.Step(new NodeUpRedirect(P2, S1, P1, 2, Station)).Accepted);
        Assert.Equal(1, node.TicksUntilNextTimer);
        var (to, at) = NextAnnouncement(node);
        Assert.Equal(P1, to);
        Assert.InRange(node.TicksUntilNextTimer, 2, 3);
        Assert.Equal([P1, P1], NextAnnouncements(node, 2));
        Assert.NotEqual(P1, NextAnnouncement(node).To);
        Assert.True(node.Now > at);
    }

    [Fact]
    public void A_late_redirect_from_an_older_term_does_not_move_the_target()
    {
        var node = Satellite();
        Assert.True(node.Step(new NodeUpRedirect(P2, S1, P3, 2, Station)).Accepted);
        Assert.Equal(P3, NextAnnouncement(node).To);

        var before = node.TicksUntilNextTimer;
        Assert.True(node.Step(new NodeUpRedirect(P1, S1, P2, 1, Station)).Accepted);
        Assert.True(node.Step(new NodeUpRedirect(P1, S1, null, 1, Station)).Accepted);

        Assert.Equal(before, node.TicksUntilNextTimer);
        Assert.Equal([P3, P3], NextAnnouncements(node, 2));
    }

    [Theory]
    [InlineData("p1:9070")]
    [InlineData("p3:9070")]
    public void A_peer_that_knows_no_master_in_the_targets_term_sends_the_announcer_round_the_peers(string from)
    {
        var node = Satellite();
        Assert.True(node.Step(new NodeUpRedirect(P2, S1, P3, 2, Station)).Accepted);
        Assert.Equal(P3, NextAnnouncement(node).To);

        // A campaigning peer, or p3 itself no longer master: the announcer goes round all three peers.
        var before = node.TicksUntilNextTimer;
        Assert.True(node.Step(new NodeUpRedirect(NodeId.Parse(from), S1, null, 2, Station)).Accepted);
        Assert.Equal(before, node.TicksUntilNextTimer);
        Assert.Equal(3, NextAnnouncements(node, 3).Distinct().Count());
    }

    [Fact]
    public void An_outdated_notice_makes_its_sender_the_target_of_the_next_incarnation()
    {
        var node = Satellite();
        Assert.True(node.Step(new NodeUpOutdated(P2, S1, node.InstallId, 1, 77, 3)).Accepted);
        var up = Assert.IsType<NodeUp>(Assert.Single(Take(node).Messages));
        Assert.Equal((P2, 2L), (up.To, up.Incarnation));

        Assert.Equal([P2, P2], NextAnnouncements(node, 2));
        Assert.NotEqual(P2, NextAnnouncement(node).To);
    }

    [Fact]
    public void A_satellite_bootstrapped_again_after_its_removal_starts_without_a_target()
    {
        var node = Satellite();
        Assert.True(node.Step(new NodeUpRedirect(P2, S1, P3, 2, Station)).Accepted);
        Assert.Equal(P3, NextAnnouncement(node).To);
        Assert.True(node.Step(new NodeUpRemoved(P3, S1, node.InstallId, 2, Station)).Accepted);
        Assert.Empty(Take(node).Messages);

        Assert.True(node.BecomeSatellite(Station).Succeeded);
        var first = Assert.IsType<NodeUp>(Assert.Single(Take(node).Messages)).To;

        // The new installation goes round the peers, and a redirect of a term below the old target's moves it again.
        Assert.Equal(3, NextAnnouncements(node, 2).Append(first).Distinct().Count());
        Assert.True(node.Step(new NodeUpRedirect(P3, S1, P1, 1, Station)).Accepted);
        Assert.Equal([P1, P1, P1], NextAnnouncements(node, 3));
    }

    [Fact]
    public void A_master_that_dies_while_the_satellite_announces_to_it_does_not_trap_the_announcer()
    {
        var cluster = new TestCluster(3, 1);
        cluster.BootstrapStation();
        Assert.True(cluster.TickUntil(() => cluster.Master?.CoordinatorRunning == true, 300));
        var dead = cluster.Master!;
        var s1 = cluster["s1"];

        // The master dies before the first announcement arrives: every announcement to it goes unanswered, while the
        // followers name it until they elect another.
        cluster.Down.Add(dead.Id);
        Assert.True(s1.BecomeSatellite(cluster.Peers).Succeeded);
        cluster.Drain(s1);
        Assert.True(cluster.TickUntil(() => s1.AnnouncementAcknowledged, 300), "the satellite was never acknowledged");

        var acknowledgedBy = s1.GetStatus().Announcer!.AcknowledgedBy;
        Assert.NotEqual(dead.Id.Value, acknowledgedBy);
        Assert.Equal(cluster.Master!.Id.Value, acknowledgedBy);
        var toDead = cluster.Batches[s1.Id].SelectMany(b => b.Messages).OfType<NodeUp>().Count(up => up.To.Equals(dead.Id));
        Assert.InRange(toDead, 1, 6);
        Assert.Contains(cluster.EffectsOf(s1.Id), e => e is AnnouncementAcknowledged);
    }

    [Fact]
    public void Going_round_the_peers_a_satellite_passes_over_stale_answers_at_the_shortest_back_off_for_one_round_at_most()
    {
        var node = Satellite();
        var others = new[] { P1, P2, P3 };

        // Peers of term 5 that know no master: the satellite goes round them with its back-off growing to the maximum.
        long last = 0;
        for (var i = 0; i < 6; i++)
        {
            var (to, at) = NextAnnouncement(node);
            Assert.True(node.Step(new NodeUpRedirect(to, S1, null, 5, Station)).Accepted);
            last = at;
        }

        var (staleTo, staleAt) = NextAnnouncement(node);
        Assert.InRange(staleAt - last, 32, 48);

        // A stale answer (an older term: a removed peer, one not caught up, or no station peer at all) to the
        // announcement just sent moves the satellite on to the next peer after the shortest back-off.
        Assert.True(node.Step(new NodeUpRedirect(staleTo, S1, null, 0, null)).Accepted);
        var (nextTo, nextAt) = NextAnnouncement(node);
        Assert.NotEqual(staleTo, nextTo);
        Assert.InRange(nextAt - staleAt, 1, 2);

        // A late copy of the same stale answer, or one from a peer not asked last, changes nothing.
        var before = node.TicksUntilNextTimer;
        Assert.True(node.Step(new NodeUpRedirect(staleTo, S1, null, 0, null)).Accepted);
        Assert.Equal(before, node.TicksUntilNextTimer);

        // Stale answers in a row move it on for one round of the peers at most; then the back-off applies again.
        var at2 = nextAt;
        var to2 = nextTo;
        for (var i = 0; i < others.Length - 1; i++)
        {
            Assert.True(node.Step(new NodeUpRedirect(to2, S1, null, 0, null)).Accepted);
            var (t, a) = NextAnnouncement(node);
            Assert.InRange(a - at2, 1, 2);
            (to2, at2) = (t, a);
        }

        Assert.True(node.Step(new NodeUpRedirect(to2, S1, null, 0, null)).Accepted);
        Assert.InRange(NextAnnouncement(node).At - at2, 32, 48);
    }
}
