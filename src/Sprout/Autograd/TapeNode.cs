namespace Sprout;

/// <summary>
/// One recorded op: its inputs and, for each input, the rule mapping the output's gradient to that input's
/// gradient (the vector–Jacobian product). Rules are written beside each op's forward.
/// </summary>
internal sealed class TapeNode(string op, Tensor[] inputs, Func<Tensor, Tensor>[] rules)
{
    [ThreadStatic] private static long t_issued;

    /// <summary>How many nodes this thread has recorded so far: take it before a call to tell which outputs the call recorded.</summary>
    public static long Issued => t_issued;

    public string Op { get; } = op;
    public Tensor[] Inputs { get; } = inputs;
    public Func<Tensor, Tensor>[] Rules { get; } = rules;

    /// <summary>The in-place write clock when the op ran: an input written after it has changed under the rule.</summary>
    public long WritesBefore { get; } = Tensor.InPlaceClock;

    /// <summary>This node's place in its thread's recording order (1, 2, …).</summary>
    public long Sequence { get; } = ++t_issued;
}
