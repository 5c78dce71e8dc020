namespace Sprout;

/// <summary>
/// One recorded op: its inputs and, for each input, the rule mapping the output's gradient to that input's
/// gradient (the vector–Jacobian product). Rules are written beside each op's forward.
/// </summary>
internal sealed class TapeNode(string op, Tensor[] inputs, Func<Tensor, Tensor>[] rules)
{
    public string Op { get; } = op;
    public Tensor[] Inputs { get; } = inputs;
    public Func<Tensor, Tensor>[] Rules { get; } = rules;
}
