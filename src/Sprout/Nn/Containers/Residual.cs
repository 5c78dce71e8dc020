namespace Sprout.Nn;

/// <summary>
/// A residual connection: y = act(body(x) + shortcut(x)), the shortcut the identity when none is given (ResNet's block;
/// a 1×1 <see cref="Conv2D"/> shortcut when the body changes the channels or the resolution). Children <c>body</c> and
/// <c>shortcut</c>.
/// </summary>
public sealed class Residual : Block
{
    /// <summary>y = <paramref name="activation"/>(<paramref name="body"/>(x) + <paramref name="shortcut"/>(x)), the identity shortcut when none is given.</summary>
    public Residual(Block body, Block? shortcut = null, Activation activation = Activation.None)
    {
        Body = AddChild("body", body);
        Shortcut = shortcut is null ? null : AddChild("shortcut", shortcut);
        Activation = activation;
    }

    /// <summary>The residual branch.</summary>
    public Block Body { get; }

    /// <summary>The shortcut branch, or null for the identity.</summary>
    public Block? Shortcut { get; }

    /// <summary>Whether a ReLU after the sum runs in the sum's pass (<c>Tensor.AddRelu</c>; default true). Benchmarks compare.</summary>
    internal static bool FuseAddRelu { get; set; } = true;

    /// <summary>Applied after the sum (ResNet applies ReLU there).</summary>
    public Activation Activation { get; }

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor x)
    {
        var y = ForwardChild("body", Body, x);
        var skip = Shortcut is null ? x : ForwardChild("shortcut", Shortcut, x);
        if (y.Shape != skip.Shape)
            throw new ArgumentException(
                $"Residual at '{CurrentPathOrRoot}': the body gives {y.Shape} but the {(Shortcut is null ? "identity shortcut" : "shortcut")} gives {skip.Shape} " +
                $"for an input of {x.Shape}. {(Shortcut is null ? "Give a shortcut (e.g. a 1×1 Conv2D with the body's channels and strides) when the body changes the shape." : "Make the shortcut produce the body's shape.")}",
                nameof(x));
        return Activation == Activation.Relu && FuseAddRelu ? Tensor.AddRelu(y, skip) : Activation.Apply(y + skip);
    }

    /// <inheritdoc/>
    protected override string Describe() => $"Residual({Activation.Describe()})";
}
