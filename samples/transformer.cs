#:project ../src/Sprout/Sprout.csproj
#:project Shared/Sprout.Samples.Shared.csproj
#:package ScottPlot@5.1.59
#:property NoWarn=$(NoWarn);NU1603
#:property TieredCompilation=false
// An encoder–decoder Transformer (d2l "The Transformer Architecture") learns to reverse digit strings, a task this
// sample makes up itself (nothing is downloaded). Every width below the model's own is inferred. It trains until greedy
// decoding gets at least 99 % of the tokens of fresh strings right, prints a few translations, and draws the decoder's
// attention over the source as a heat map (reversal: an anti-diagonal).
// Run: dotnet run samples/transformer.cs [-- --max-steps N] [--target 0.99]
using Sprout;
using Sprout.Init;
using Sprout.Nn;
using Sprout.Training;
using Sprout.Samples;

int maxSteps = SampleArgs.Value<int>(args, "--max-steps", 3000);
double target = SampleArgs.Value<double>(args, "--target", 0.99);
const int Length = 8, Digits = 10, Bos = 10, Vocab = 11, Batch = 64, Width = 32;

Rng.Seed(7);
var model = new Seq2Seq(Vocab, Width, heads: 4, ffnHidden: 64, layers: 2);
model.Initialize(new Xavier());
var trainer = new Trainer(model.CollectParams(), new Adam(3e-3f));
var loss = new SoftmaxCrossEntropyLoss();
var data = Rng.Stream(7, "reversal");

double accuracy = 0;
int step = 0;
for (; step < maxSteps && accuracy < target; step++)
{
    var (source, decoderInput, labels) = MakeBatch(data, Batch);
    Tensor l;
    using (Autograd.Record()) l = loss.Forward(model.Forward(source, decoderInput).Reshape(Batch * Length, Vocab), labels.Reshape(Batch * Length)).Mean();
    l.Backward();
    trainer.Step(1);
    if (step % 100 == 99)
    {
        accuracy = GreedyAccuracy(model, data, 256);
        Console.WriteLine($"step {step + 1,5}: loss {l.Item():F4}, greedy token accuracy {accuracy:P2}");
    }
}
Console.WriteLine(accuracy >= target
    ? $"Reached {accuracy:P2} token accuracy after {step} steps."
    : $"Stopped after {step} steps at {accuracy:P2} token accuracy (target {target:P0}).");

var (examples, _, _) = MakeBatch(data, 4);
var decoded = Greedy(model, examples);
for (int i = 0; i < 4; i++)
{
    string[] TokensOf(Tensor t) => [.. t.ToArray().Skip(i * Length).Take(Length).Select(d => ((int)d).ToString(System.Globalization.CultureInfo.InvariantCulture))];
    string[] source = TokensOf(examples), output = TokensOf(decoded);
    // Scored as the book scores its translations: BLEU with n-grams up to 2 against the reversed source.
    Console.WriteLine($"{string.Concat(source)} → {string.Concat(output)}, bleu {Bleu.Score(output, [.. source.Reverse()], 2):F3}");
}

// The last decoder block's attention over the source for the first example, averaged over heads.
var weights = model.LastCrossAttention!.ToArray();   // (1, heads, Length, Length) from the final greedy step
int heads = weights.Length / (Length * Length);
var map = new double[Length, Length];
for (int h = 0; h < heads; h++)
    for (int q = 0; q < Length; q++)
        for (int k = 0; k < Length; k++) map[Length - 1 - q, k] += weights[(h * Length + q) * Length + k] / heads;   // a heat map's first row is drawn on top
var plot = new ScottPlot.Plot();
plot.Add.Heatmap(map);
plot.Title("decoder attention over the source");
plot.XLabel("source position");
plot.YLabel("output step");
plot.SavePng("transformer-attention.png", 480, 420);
Console.WriteLine("Attention heat map written to transformer-attention.png");
return accuracy >= target ? 0 : 1;

// Random digit strings; the target is the string reversed; the decoder reads BOS then the target shifted right.
static (Tensor Source, Tensor DecoderInput, Tensor Labels) MakeBatch(RandomStream random, int batch)
{
    var source = new float[batch * Length];
    var input = new float[batch * Length];
    var labels = new float[batch * Length];
    for (int i = 0; i < batch; i++)
    {
        for (int t = 0; t < Length; t++) source[i * Length + t] = random.NextInt32(Digits);
        for (int t = 0; t < Length; t++) labels[i * Length + t] = source[i * Length + Length - 1 - t];
        input[i * Length] = Bos;
        for (int t = 1; t < Length; t++) input[i * Length + t] = labels[i * Length + t - 1];
    }
    return (Tensor.FromArray(source, batch, Length), Tensor.FromArray(input, batch, Length), Tensor.FromArray(labels, batch, Length));
}

// Decodes step by step, feeding back its own predictions (no teacher forcing).
static Tensor Greedy(Seq2Seq model, Tensor source)
{
    int batch = source.Shape[0];
    var output = new float[batch * Length];
    using (Autograd.Predict())
    {
        var memory = model.Encode(source);
        var input = new float[batch * Length];
        for (int i = 0; i < batch; i++) input[i * Length] = Bos;
        for (int t = 0; t < Length; t++)
        {
            var logits = model.Decode(Tensor.FromArray(input, batch, Length), memory).ArgMax(-1).ToArray();
            for (int i = 0; i < batch; i++)
            {
                output[i * Length + t] = logits[i * Length + t];
                if (t + 1 < Length) input[i * Length + t + 1] = logits[i * Length + t];
            }
        }
    }
    return Tensor.FromArray(output, batch, Length);
}

static double GreedyAccuracy(Seq2Seq model, RandomStream random, int count)
{
    var (source, _, labels) = MakeBatch(random, count);
    var predicted = Greedy(model, source).ToArray();
    var expected = labels.ToArray();
    return predicted.Zip(expected).Count(p => p.First == p.Second) / (double)expected.Length;
}

/// <summary>Embeddings (scaled by √width) with positional encodings, encoder and decoder blocks, and a vocabulary head.</summary>
sealed class Seq2Seq : Block
{
    private readonly Embedding _sourceEmbedding, _targetEmbedding;
    private readonly PositionalEncoding _positions = new();
    private readonly BlockList _encoder = [], _decoder = [];
    private readonly Dense _head;
    private readonly float _scale;

    public Seq2Seq(int vocab, int width, int heads, int ffnHidden, int layers)
    {
        (_sourceEmbedding, _targetEmbedding, _head, _scale) = (new Embedding(vocab, width), new Embedding(vocab, width), new Dense(vocab), MathF.Sqrt(width));
        for (int i = 0; i < layers; i++)
        {
            _encoder.Add(new TransformerEncoderBlock(heads, ffnHidden));
            _decoder.Add(new TransformerDecoderBlock(heads, ffnHidden));
        }
    }

    public Tensor? LastCrossAttention => ((TransformerDecoderBlock)_decoder[^1]).CrossAttention.LastWeights;

    public Tensor Forward(Tensor source, Tensor decoderInput) => Forward([source, decoderInput])[0];

    public Tensor Encode(Tensor source)
    {
        var x = _positions.Forward(_sourceEmbedding.Forward(source) * _scale);
        foreach (TransformerEncoderBlock block in _encoder) x = block.Forward(x, null);
        return x;
    }

    public Tensor Decode(Tensor decoderInput, Tensor memory)
    {
        var y = _positions.Forward(_targetEmbedding.Forward(decoderInput) * _scale);
        foreach (TransformerDecoderBlock block in _decoder) y = block.Forward(y, memory);
        return _head.Forward(y);
    }

    protected override Tensor[] ForwardCore(IReadOnlyList<Tensor?> inputs) => [Decode(inputs[1]!, Encode(inputs[0]!))];
}
