using Sprout.Init;

namespace Sprout.Nn;

/// <summary>
/// Batch normalization over axis 1 (channels) of (N, C) or (N, C, H, W): y = γ·(x − μ)/√(σ² + ε) + β. While training,
/// μ and σ² are the batch's statistics and the running ones move toward them (running ← m·running + (1 − m)·batch, m =
/// momentum, Gluon's convention; the running variance is unbiased, as PyTorch's); in prediction the running ones are
/// used. The channel count is inferred from the first input unless <c>inChannels</c> is given.
/// </summary>
public sealed class BatchNorm : Block
{
    /// <summary>Batch normalization; <paramref name="inChannels"/> left out is inferred from the first input.</summary>
    public BatchNorm(float momentum = 0.9f, float epsilon = 1e-5f, int inChannels = Shape.Unknown,
                     Initializer? gammaInitializer = null, Initializer? betaInitializer = null)
    {
        if (!(momentum >= 0 && momentum < 1)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "Expected momentum in [0, 1).");
        if (!(epsilon > 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "Expected epsilon > 0.");
        if (inChannels <= 0 && inChannels != Shape.Unknown)
            throw new ArgumentOutOfRangeException(nameof(inChannels), inChannels, "Expected a positive channel count, or leave it out to infer it.");
        (Momentum, Epsilon) = (momentum, epsilon);
        var shape = new Shape(inChannels);
        AddParameter("gamma", shape, gammaInitializer);
        AddParameter("beta", shape, betaInitializer);
        AddBuffer("running_mean", shape);
        AddBuffer("running_var", shape);
    }

    /// <summary>m in running ← m·running + (1 − m)·batch.</summary>
    public float Momentum { get; }
    /// <summary>Added to the variance before the square root.</summary>
    public float Epsilon { get; }

    /// <summary>The per-channel scale γ.</summary>
    public Parameter Gamma => Param("gamma");
    /// <summary>The per-channel shift β.</summary>
    public Parameter Beta => Param("beta");
    /// <summary>The running mean (a buffer, never trained).</summary>
    public Parameter RunningMean => Param("running_mean");
    /// <summary>The running unbiased variance (a buffer, never trained).</summary>
    public Parameter RunningVar => Param("running_var");

    /// <inheritdoc/>
    protected override void InferShapes(Tensor x)
    {
        if (x.Rank is not (2 or 4))
            throw new ArgumentException($"BatchNorm at '{CurrentPathOrRoot}' expects (N, C) or (N, C, H, W); got {x.Shape}.", nameof(x));
        var channels = new Shape(x.Shape[1]);
        foreach (var p in new[] { Gamma, Beta, RunningMean, RunningVar }) RefineShape(p, channels, x, "channels (dimension 1 of its input)");
    }

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor x)
    {
        var statShape = x.Rank == 4 ? new Shape(1, x.Shape[1], 1, 1) : new Shape(1, x.Shape[1]);
        var gamma = Gamma.Data().Reshape(statShape);
        var beta = Beta.Data().Reshape(statShape);
        if (!Autograd.IsTraining || x.IsMeta)
        {
            var mean = RunningMean.Data().Reshape(statShape);
            var scale = (RunningVar.Data().Reshape(statShape) + Epsilon).Sqrt();
            return (x - mean) / scale * gamma + beta;
        }
        int perChannel = x.Length / x.Shape[1];
        if (perChannel < 2)
            throw new ArgumentException(
                $"BatchNorm at '{CurrentPathOrRoot}' needs more than one value per channel while training; got an input of shape {x.Shape}. " +
                "Train with a batch of at least 2 (or larger images), or run it outside Autograd.Record() to use the running statistics.", nameof(x));
        var context = ForwardContext.Current;
        bool relu = context.ReluFollows;
        context.ReluFollows = false;   // taken up: the Relu's work is done here
        var (y, batchMean, variance) = Tensor.BatchNormTraining(x, Gamma.Data(), Beta.Data(), Epsilon, relu);
        UpdateRunningStatistics(batchMean, variance, perChannel);
        return y;
    }

    private void UpdateRunningStatistics(float[] mean, float[] var, int count)
    {
        ForwardJournal.NoteValues(RunningMean);   // a later failure in the same forward puts them back
        ForwardJournal.NoteValues(RunningVar);
        float unbiased = count / (float)(count - 1);
        var rm = RunningMean.Data().AsSpan(); var rv = RunningVar.Data().AsSpan();
        for (int c = 0; c < rm.Length; c++)
        {
            rm[c] = Momentum * rm[c] + (1 - Momentum) * mean[c];
            rv[c] = Momentum * rv[c] + (1 - Momentum) * var[c] * unbiased;
        }
    }

    internal override FeatureFlow Flow => new(FeatureAxis.Channels, Gamma.Shape[0], Gamma.Shape[0]);

    /// <summary>Gamma, beta and both running statistics are one value per channel: their shapes must agree.</summary>
    private protected override IEnumerable<string> OwnShapeConflicts(string path)
    {
        Parameter[] all = [Gamma, Beta, RunningMean, RunningVar];
        if (all.Any(p => p.Shape != Gamma.Shape))
            yield return $"BatchNorm '{(path.Length == 0 ? "(root)" : path)}' has one value per channel in each of its parameters, but their shapes differ: " +
                         string.Join(", ", all.Select(p => $"{p.Name} {p.Shape}"));
    }

    /// <inheritdoc/>
    protected override string Describe() => $"BatchNorm(momentum={Momentum}, eps={Epsilon}, in_channels={(Gamma.Shape[0] == Shape.Unknown ? "None" : Gamma.Shape[0])})";
}
