# Draws bench/attention/run.sh's CSV: per-epoch training time, per-user
# inference time and NDCG@10 against maxlen, full and local attention.
# usage: gnuplot -e "csv='/tmp/attnrec_attention/attention.csv'; out='docs/bench/attention.png'; window='50'" bench/attention/plot.gp
# Columns: attention,maxlen,epoch_seconds,infer_ms,ndcg10; full rows are
# data block 0, local rows block 1.
if (!exists("csv")) csv = '/tmp/attnrec_attention/attention.csv'
if (!exists("out")) out = 'docs/bench/attention.png'
if (!exists("window")) window = '50'
set terminal pngcairo size 1500,450 font ",10" noenhanced
set output out
set datafile separator ','
set grid
set key top left
set xlabel "maxlen L"
set logscale x 2
set xtics (200, 400, 800)
set xrange [170:940]
set multiplot layout 1,3 title "ML-1M, attnrec train defaults, strict protocol, one budget per run: full vs local attention (W=".window.")"
set title "training seconds per epoch (2 threads)"
plot csv index 0 using 2:3 with linespoints lw 2 pt 7 title "full", \
     csv index 1 using 2:3 with linespoints lw 2 pt 5 title "local"
set title "inference CPU ms per user (encode + top-10, 1 thread)"
plot csv index 0 using 2:4 with linespoints lw 2 pt 7 title "full", \
     csv index 1 using 2:4 with linespoints lw 2 pt 5 title "local"
set title "test NDCG@10 (full ranking)"
set key bottom left
plot csv index 0 using 2:5 with linespoints lw 2 pt 7 title "full", \
     csv index 1 using 2:5 with linespoints lw 2 pt 5 title "local"
unset multiplot
