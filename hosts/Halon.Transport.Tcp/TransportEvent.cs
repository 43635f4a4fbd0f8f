using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Core.Protocol;
using Halon.Core.Status;

namespace Halon.Transport.Tcp;

/// <summary>Something the node's loop must handle, read from <see cref="TcpTransport.Events"/>.</summary>
public abstract class TransportEvent
{
    private protected TransportEvent()
    {
    }
}

/// <summary>A message arrived on an authenticated peer connection; its <c>From</c> is the proven node id.</summary>
public sealed class MessageReceived : TransportEvent
{
    public MessageReceived(Message message)
    {
        Message = message;
    }

    /// <summary>The message.</summary>
    public Message Message { get; }
}

/// <summary>A dial to <see cref="Peer"/> failed; hand it to <c>HalonNode.ReportUnreachable</c>.</summary>
public sealed class PeerUnreachable : TransportEvent
{
    public PeerUnreachable(NodeId peer, PeerProblem problem, string detail)
    {
        Peer = peer;
        Problem = problem;
        Detail = detail;
    }

    /// <summary>The destination that could not be reached.</summary>
    public NodeId Peer { get; }

    /// <summary><see cref="PeerProblem.ConnectionRefused"/> or <see cref="PeerProblem.AuthenticationFailed"/>.</summary>
    public PeerProblem Problem { get; }

    /// <summary>What happened, in an operator's words (shown in status).</summary>
    public string Detail { get; }
}

/// <summary>
/// A control request from halonctl. The loop answers it exactly once with <see cref="Reply(CommandResult)"/>,
/// <see cref="Reply(NodeStatus)"/> or <see cref="Fail"/>; answer a command only after its state is persisted.
/// </summary>
public sealed class ControlRequested : TransportEvent
{
    private readonly TaskCompletionSource<object> _answer = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ControlRequested(ControlCommand command)
    {
        Command = command;
    }

    /// <summary>The command.</summary>
    public ControlCommand Command { get; }

    internal Task<object> Answer => _answer.Task;

    /// <summary>Answers a bootstrap command.</summary>
    public void Reply(CommandResult result) => _answer.TrySetResult(result);

    /// <summary>Answers a removal request.</summary>
    public void Reply(RemovalResult result) => _answer.TrySetResult(result);

    /// <summary>Answers a request to change the station's peers.</summary>
    public void Reply(MembershipResult result) => _answer.TrySetResult(result);

    /// <summary>Answers a status request.</summary>
    public void Reply(NodeStatus status) => _answer.TrySetResult(status);

    /// <summary>Answers with an error; halonctl shows <paramref name="message"/>.</summary>
    public void Fail(string message) => _answer.TrySetResult(new ControlFailure(message));

    internal sealed record ControlFailure(string Message);
}
