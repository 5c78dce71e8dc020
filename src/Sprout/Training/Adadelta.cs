using System.Numerics.Tensors;

namespace Sprout.Training;

/// <summary>
/// Adadelta (Zeiler; the book's): s ← ρs + (1 − ρ)g², g′ = √(Δ + ε)/√(s + ε)·g, Δ ← ρΔ + (1 − ρ)g′², w ← w − η·g′
/// (η = 1 in the book and by default); L2 weight decay adds λw to g.
/// </summary>
public sealed class Adadelta : Optimizer
{
    /// <summary>Adadelta with decay <paramref name="rho"/>; the learning rate scales the step (1 is the paper's rule).</summary>
    public Adadelta(float rho = 0.9f, float epsilon = 1e-5f, float learningRate = 1f, float weightDecay = 0f) : base(learningRate, weightDecay)
    {
        if (!(rho >= 0 && rho < 1)) throw new ArgumentOutOfRangeException(nameof(rho), rho, "Expected rho in [0, 1).");
        if (!(epsilon > 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "Expected epsilon > 0.");
        (Rho, Epsilon) = (rho, epsilon);
    }

    /// <summary>The decay ρ of both running averages.</summary>
    public float Rho { get; }
    /// <summary>Added under both square roots.</summary>
    public float Epsilon { get; }

    /// <inheritdoc/>
    protected internal override IReadOnlyList<string> StateNames => ["square_avg", "acc_delta"];

    /// <inheritdoc/>
    protected override float[][] CreateState(int length) => [new float[length], new float[length], new float[length]];

    /// <inheritdoc/>
    protected override void Update(Span<float> weight, Span<float> grad, float[][] state)
    {
        if (ParameterWeightDecay > 0) TensorPrimitives.MultiplyAdd(weight, ParameterWeightDecay, grad, grad);
        Span<float> s = state[0], delta = state[1], scratch = state[2];
        TensorPrimitives.Multiply(grad, grad, scratch);
        TensorPrimitives.Multiply(s, Rho, s);
        TensorPrimitives.MultiplyAdd(scratch, 1f - Rho, s, s);
        // g′ = √(Δ + ε) / √(s + ε) · g, kept in grad
        TensorPrimitives.Add(delta, Epsilon, scratch);
        TensorPrimitives.Sqrt(scratch, scratch);
        TensorPrimitives.Multiply(grad, scratch, grad);
        TensorPrimitives.Add(s, Epsilon, scratch);
        TensorPrimitives.Sqrt(scratch, scratch);
        TensorPrimitives.Divide(grad, scratch, grad);
        TensorPrimitives.Multiply(grad, grad, scratch);
        TensorPrimitives.Multiply(delta, Rho, delta);
        TensorPrimitives.MultiplyAdd(scratch, 1f - Rho, delta, delta);
        TensorPrimitives.MultiplyAdd(grad, -ParameterLearningRate, weight, weight);
    }
}
