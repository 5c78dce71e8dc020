using System.Globalization;
using Sprout.Init;

namespace Sprout.Nn;

/// <summary>
/// 1-D convolution over sequences of feature vectors: y = act(W ⋆ x + b); (N, C, L) → (N, channels, Lo),
/// Lo = ⌊(L + 2p − d(k − 1) − 1)/s⌋ + 1, as Gluon's <c>Conv1D</c> and PyTorch's <c>Conv1d</c> (the book's TextCNN).
/// Leave <c>inChannels</c> out and it is inferred from C of the first input. Weight (channels, C/groups, k) as in PyTorch.
/// </summary>
public sealed class Conv1D : Block
{
    /// <summary>A convolution with <paramref name="channels"/> output channels and a window of <paramref name="kernelSize"/>; <paramref name="inChannels"/> left out is inferred from the first input.</summary>
    public Conv1D(int channels, int kernelSize, int strides = 1, int padding = 0, int dilation = 1, int groups = 1,
                  int inChannels = Shape.Unknown, Activation activation = Activation.None, bool useBias = true,
                  Initializer? weightInitializer = null, Initializer? biasInitializer = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(kernelSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(strides);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dilation);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(groups);
        if (channels % groups != 0)
            throw new ArgumentException($"Conv1D: {channels} output channels are not divisible by groups={groups}; give a multiple of {groups}.", nameof(groups));
        if (inChannels != Shape.Unknown && (inChannels <= 0 || inChannels % groups != 0))
            throw new ArgumentOutOfRangeException(nameof(inChannels), inChannels, $"Expected a positive input channel count divisible by groups={groups}, or leave it out to infer it.");
        (Channels, KernelSize, Strides, Padding, Dilation, Groups, Activation) = (channels, kernelSize, strides, padding, dilation, groups, activation);
        AddParameter("weight", new Shape(channels, inChannels == Shape.Unknown ? Shape.Unknown : inChannels / groups, kernelSize), weightInitializer);
        if (useBias) AddParameter("bias", new Shape(channels), biasInitializer);
    }

    /// <summary>Output channels.</summary>
    public int Channels { get; }
    /// <summary>The window's length.</summary>
    public int KernelSize { get; }
    /// <summary>The step between windows.</summary>
    public int Strides { get; }
    /// <summary>Zeros added at each end.</summary>
    public int Padding { get; }
    /// <summary>The spacing of the window's taps.</summary>
    public int Dilation { get; }
    /// <summary>Channel groups convolved separately.</summary>
    public int Groups { get; }
    /// <summary>Applied to the output.</summary>
    public Activation Activation { get; }

    /// <summary>(channels, inChannels/groups, k), PyTorch's layout.</summary>
    public Parameter Weight => Param("weight");
    /// <summary>(channels), or null when created with <c>useBias: false</c>.</summary>
    public Parameter? Bias => OptionalParam("bias");

    /// <inheritdoc/>
    protected override void InferShapes(Tensor x)
    {
        if (x.Rank != 3)
            throw new ArgumentException(
                $"Conv1D at '{CurrentPathOrRoot}' expects an input of shape (N, C, L); got {x.Shape} (rank {x.Rank}). " +
                "A batch of embedded sequences (N, L, C) becomes (N, C, L) with SwapAxes(1, 2).", nameof(x));
        if (x.Shape[1] % Groups != 0)
            throw new ArgumentException(
                $"Conv1D at '{CurrentPathOrRoot}': {x.Shape[1]} input channels (input {x.Shape}) are not divisible by groups={Groups}. " +
                $"Give the layer groups that divide {x.Shape[1]}, or make the layer before it produce a multiple of {Groups} channels.", nameof(x));
        RefineShape(Weight, new Shape(Channels, x.Shape[1] / Groups, KernelSize), x, "input channels per group (dimension 1 of its input / groups)");
    }

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor x)
    {
        try
        {
            return Activation.Apply(Tensor.Conv1D(x, Weight.Data(), Bias?.Data(), Strides, Padding, Dilation, Groups));
        }
        catch (ArgumentException e) when (e is not ShapeMismatchException)
        {
            throw new ArgumentException($"Conv1D at '{CurrentPathOrRoot}' cannot take the input of shape {x.Shape} that reached it: {InnerReason.Of(e)}", nameof(x), e);
        }
    }

    internal override FeatureFlow Flow =>
        new(FeatureAxis.Channels, Weight.Shape[1] == Shape.Unknown ? Shape.Unknown : Weight.Shape[1] * Groups, Weight.Shape[0]);

    /// <inheritdoc/>
    protected override string Describe()
    {
        string c = Weight.Shape[1] == Shape.Unknown ? "None" : (Weight.Shape[1] * Groups).ToString(CultureInfo.InvariantCulture);
        return $"Conv1D({c} -> {Channels}, kernel_size={KernelSize}, stride={Strides}, padding={Padding}{(Groups > 1 ? $", groups={Groups}" : "")}, {Activation.Describe()})";
    }
}
