using System.Numerics.Tensors;

namespace Sprout.Training;

/// <summary>RMSProp (Tieleman and Hinton; the book's): s ← γs + (1 − γ)g², w ← w − η·g/√(s + ε); L2 weight decay adds λw to g.</summary>
public sealed class RmsProp : Optimizer
{
    /// <summary>RMSProp with decay <paramref name="gamma"/> of the squared-gradient average.</summary>
    public RmsProp(float learningRate = 0.01f, float gamma = 0.9f, float epsilon = 1e-6f, float weightDecay = 0f) : base(learningRate, weightDecay)
    {
        if (!(gamma >= 0 && gamma < 1)) throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "Expected gamma in [0, 1).");
        if (!(epsilon > 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "Expected epsilon > 0.");
        (Gamma, Epsilon) = (gamma, epsilon);
    }

    /// <summary>The decay γ of the squared-gradient average.</summary>
    public float Gamma { get; }
    /// <summary>Added to s under the square root.</summary>
    public float Epsilon { get; }

    /// <inheritdoc/>
    protected internal override IReadOnlyList<string> StateNames => ["square_avg"];

    /// <inheritdoc/>
    protected override float[][] CreateState(int length) => [new float[length], new float[length]];

    /// <inheritdoc/>
    protected override void Update(Span<float> weight, Span<float> grad, float[][] state)
    {
        if (ParameterWeightDecay > 0) TensorPrimitives.MultiplyAdd(weight, ParameterWeightDecay, grad, grad);
        Span<float> s = state[0], scratch = state[1];
        TensorPrimitives.Multiply(grad, grad, scratch);
        TensorPrimitives.Multiply(s, Gamma, s);
        TensorPrimitives.MultiplyAdd(scratch, 1f - Gamma, s, s);
        Adagrad.AdaptiveStep(weight, grad, s, scratch, ParameterLearningRate, Epsilon);
    }
}
