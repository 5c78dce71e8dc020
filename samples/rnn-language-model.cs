#:project ../src/Sprout/Sprout.csproj
#:project Shared/Sprout.Samples.Shared.csproj
#:property NoWarn=$(NoWarn);NU1603
#:property TieredCompilation=false
// A character-level language model (d2l "Concise Implementation of Recurrent Neural Networks") on Debian's fortunes
// (apt-get install fortunes; without them, the project's own documentation and sources; nothing is downloaded): an
// embedding, a GRU whose input size is inferred as Gluon's rnn.GRU(num_hiddens), and a dense output; gradients clipped
// to norm 1; perplexity per epoch; then text from a prefix.
// --sequential takes the book's sequential partitioning instead of random subsequences, and carries the recurrent state
// from one batch to the next (detached), as the book's train_epoch does when use_random_iter is off.
// Prints a progress bar per epoch, generated text a few times along the way, and writes language-model-perplexity.png.
// Run: dotnet run samples/rnn-language-model.cs [-- --epochs N] [--steps-per-epoch N] [--cell gru|lstm|rnn] [--sequential] [--subset]
using System.Diagnostics;
using Spectre.Console;
using Sprout;
using Sprout.Data;
using Sprout.Init;
using Sprout.Nn;
using Sprout.Training;
using Sprout.Samples;

int epochs = SampleArgs.Value<int>(args, "--epochs", 5);
int stepsPerEpoch = SampleArgs.Value<int>(args, "--steps-per-epoch", 300);
string cell = SampleArgs.Value<string>(args, "--cell", "gru");
bool sequential = SampleArgs.Flag(args, "--sequential"), subset = SampleArgs.Flag(args, "--subset");
const int Batch = 32, Steps = 35, Hidden = 256, SubsetCharacters = 200_000;

Rng.Seed(11);
var (text, source) = SampleText.Load();   // fortunes, else the project's own text: never a download
if (subset && text.Length > SubsetCharacters) (text, source) = (text[..SubsetCharacters], $"{source}, its first {SubsetCharacters:N0} characters");
var vocab = new Vocabulary(TextCorpus.Characters(text));
var corpus = vocab.Encode(TextCorpus.Characters(text));
Console.WriteLine($"{source}: {text.Length:N0} characters, a vocabulary of {vocab.Count} ({string.Concat(Enumerable.Range(1, vocab.Count - 1).Select(vocab.Token))})");

var model = new CharModel(vocab.Count, Hidden, cell);
model.Initialize(new Xavier());
var trainer = new Trainer(model.CollectParams(), new Adam(2e-3f));
var loss = new SoftmaxCrossEntropyLoss();
var batches = new SequenceBatches(corpus, Batch, Steps, seed: 11, sequential ? Partitioning.Sequential : Partitioning.Random);
var curve = new List<(int Epoch, double Perplexity)>();
int sampleEvery = Math.Max(1, epochs / 5);   // generated text a few times along the way, as the book prints it
const string Prefix = "the meaning of life";
AnsiConsole.Progress()
    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
    .Start(ctx =>
    {
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            var perplexity = new Perplexity();
            var clock = Stopwatch.StartNew();
            var bar = ctx.AddTask($"epoch {epoch,2}", maxValue: stepsPerEpoch);
            model.State = null;   // each epoch starts from zeros
            foreach (var (x, y) in batches.NextEpoch().Take(stepsPerEpoch))
            {
                if (!sequential) model.State = null;   // random subsequences do not continue each other
                Tensor l;
                using (Autograd.Record()) l = loss.Forward(model.Forward(x), y.Transpose().Reshape(Steps * Batch)).Sum();
                l.Backward();
                trainer.ClipGradients(1f * Steps * Batch);   // the summed loss: the norm of the mean's gradient clipped to 1
                trainer.Step(Steps * Batch);
                perplexity.Update(l.Item(), Steps * Batch);
                bar.Increment(1);
            }
            curve.Add((epoch, perplexity.Value));
            bar.Description = $"epoch {epoch,2}: perplexity {perplexity.Value:F2}, {clock.Elapsed.TotalSeconds:F1} s";
            bar.StopTask();
            if (epoch % sampleEvery == 0 || epoch == epochs)
                AnsiConsole.MarkupLineInterpolated($"  [grey]'{Prefix}' → '{Predict(model, vocab, Prefix, 50)}'[/]");
        }
    });
Console.WriteLine($"perplexity: {curve[0].Perplexity:F2} after epoch 1, {curve[^1].Perplexity:F2} after epoch {curve[^1].Epoch}");
TrainingCurves.SavePerplexity(curve, "language-model-perplexity.png");

static string Predict(CharModel model, Vocabulary vocab, string prefix, int count)
{
    var ids = vocab.Encode(TextCorpus.Characters(prefix)).ToList();
    model.State = null;
    using (Autograd.Predict())
        for (int i = 0; i < count; i++)
        {
            var x = Tensor.FromArray([.. ids.Select(v => (float)v)], 1, ids.Count);
            var logits = model.Forward(x).ToArray();   // (T·1, V): the last step's row
            int v = vocab.Count, best = 0;
            for (int j = 1; j < v; j++) if (logits[(ids.Count - 1) * v + j] > logits[(ids.Count - 1) * v + best]) best = j;
            ids.Add(best);
        }
    return string.Concat(ids.Select(vocab.Token));
}

/// <summary>(N, T) ids → (T·N, V) logits: embedding, a recurrent layer over time-major steps, a dense output.</summary>
sealed class CharModel(int vocab, int hidden, string cell) : Block
{
    private readonly Embedding _embedding = new(vocab, 64);
    private readonly RecurrentLayer _rnn = cell switch { "lstm" => new Lstm(hidden), "rnn" => new Rnn(hidden), _ => new Gru(hidden) };
    private readonly Dense _output = new(vocab);

    /// <summary>The recurrent state the next forward starts from (null: zeros); each forward leaves its final state here, detached.</summary>
    public Tensor[]? State { get; set; }

    protected override Tensor ForwardCore(Tensor ids)
    {
        var x = _embedding.Forward(ids.Transpose());            // (T, N, 64): time-major, as the book
        var outputs = _rnn.Forward([x, .. State ?? []]);         // (T, N, H), then the final state: [h] or [h, c]
        State = [.. outputs.Skip(1).Select(s => s.Detach())];   // gradients stop at the batch boundary
        var y = outputs[0];
        return _output.Forward(y.Reshape(-1, y.Shape[2]));
    }
}
