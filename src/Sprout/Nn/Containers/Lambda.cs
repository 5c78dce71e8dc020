namespace Sprout.Nn;

/// <summary>
/// A parameter-free block made from a function (Gluon's <c>HybridLambda</c>, Keras' <c>Lambda</c>): it sits in
/// containers, shows in summaries, and runs on meta tensors in <c>Build</c> when the function only uses tensor ops.
/// </summary>
public sealed class Lambda : Block
{
    private readonly Func<IReadOnlyList<Tensor?>, Tensor[]> _function;

    /// <summary>A block of one input and one output.</summary>
    public Lambda(Func<Tensor, Tensor> function, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(function);
        _function = inputs => [function(inputs[0]!)];
        Name = name ?? "Lambda";
    }

    /// <summary>A block of several inputs and outputs.</summary>
    public Lambda(Func<IReadOnlyList<Tensor?>, Tensor[]> function, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(function);
        _function = function;
        Name = name ?? "Lambda";
    }

    /// <summary>The name it prints under.</summary>
    public string Name { get; }

    /// <inheritdoc/>
    private protected override bool ReleasesOwnIntermediates => false;   // the function is the caller's: it may keep what it computes

    /// <inheritdoc/>
    protected override Tensor[] ForwardCore(IReadOnlyList<Tensor?> inputs) => _function(inputs);

    /// <inheritdoc/>
    protected override string Describe() => $"{Name}()";
}
