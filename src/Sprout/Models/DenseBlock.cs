using Sprout.Nn;

namespace Sprout.Models;

/// <summary>
/// A DenseNet block: each of its convolution blocks (batch norm, ReLU, 3×3 convolution of <c>growthRate</c> channels)
/// sees the concatenation of the block's input and every earlier output, so the channels grow by growthRate per
/// convolution; each convolution infers its own (growing) input channels. Children <c>convs.0</c>, <c>convs.1</c>, ….
/// </summary>
public sealed class DenseBlock : Block
{
    private readonly List<Sequential> _convs = [];

    /// <summary>A block of <paramref name="convolutions"/> convolution blocks adding <paramref name="growthRate"/> channels each.</summary>
    public DenseBlock(int convolutions, int growthRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(convolutions);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(growthRate);
        for (int i = 0; i < convolutions; i++)
            _convs.Add(new Sequential { new BatchNorm(), new Relu(), new Conv2D(growthRate, 3, padding: 1) });
        GrowthRate = growthRate;
    }

    /// <summary>Channels each convolution adds.</summary>
    public int GrowthRate { get; }

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor x)
    {
        foreach (var conv in _convs) x = Tensor.Concat(1, x, conv.Forward(x));
        return x;
    }
}
